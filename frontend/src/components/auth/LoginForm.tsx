"use client";

import { useRouter, useSearchParams } from "next/navigation";
import { useState, type FormEvent } from "react";

import { Button } from "@/components/ui/Button";
import { useLogin } from "@/hooks/queries/auth";
import { ApiError, errorMessage } from "@/lib/api/client";
import { safeNext } from "@/lib/navigation";

const INPUT =
  "mt-1.5 block w-full rounded-md border border-border bg-surface px-3 py-2 text-sm text-fg shadow-sm placeholder:text-muted/70 focus-visible:border-accent";

function loginError(error: unknown): string {
  if (error instanceof ApiError && error.status === 401) return "Wrong e-mail or password.";
  return errorMessage(error);
}

export function LoginForm() {
  const router = useRouter();
  const next = safeNext(useSearchParams().get("next"));
  const login = useLogin();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");

  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    login.mutate({ email, password }, { onSuccess: () => router.replace(next) });
  };

  return (
    <form onSubmit={onSubmit} className="space-y-4" aria-describedby={login.isError ? "login-error" : undefined}>
      <div>
        <label htmlFor="email" className="block text-sm font-medium text-fg">
          E-mail
        </label>
        <input
          id="email"
          name="email"
          type="email"
          autoComplete="username"
          required
          autoFocus
          value={email}
          onChange={(e) => setEmail(e.target.value)}
          className={INPUT}
          placeholder="admin@distillery.local"
        />
      </div>
      <div>
        <label htmlFor="password" className="block text-sm font-medium text-fg">
          Password
        </label>
        <input
          id="password"
          name="password"
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          className={INPUT}
        />
      </div>
      {login.isError && (
        <p id="login-error" role="alert" className="rounded-md bg-danger-soft px-3 py-2 text-sm text-danger">
          {loginError(login.error)}
        </p>
      )}
      <Button type="submit" variant="primary" className="w-full" disabled={login.isPending || login.isSuccess}>
        {login.isPending || login.isSuccess ? "Signing in…" : "Sign in"}
      </Button>
    </form>
  );
}
