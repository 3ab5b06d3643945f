"use client";

import { useRouter, useSearchParams } from "next/navigation";
import { useState, type FormEvent } from "react";

import { Button } from "@/components/ui/Button";
import { Field } from "@/components/ui/Field";
import { TextInput } from "@/components/ui/Input";
import { useLogin } from "@/hooks/queries/auth";
import { ApiError, errorMessage } from "@/lib/api/client";
import { LIMITS } from "@/lib/limits";
import { safeNext } from "@/lib/navigation";

/** The sign-in page's roomier controls, over the shared control look. */
const INPUT = "px-3 py-2 placeholder:text-muted/70 focus-visible:border-accent";
const LOGIN = LIMITS.LoginRequest;

function loginError(error: unknown): string {
  if (error instanceof ApiError && error.status === 401) return "Wrong e-mail or password.";
  return errorMessage(error);
}

const SESSION_NOTICES: Record<string, string> = {
  ended: "Your session has ended. Sign in to go back to where you were.",
  "ended-write": "Your session ended before your last change was made, so it was not carried out. Sign in to go back and do it again.",
};

export function LoginForm() {
  const router = useRouter();
  const params = useSearchParams();
  const next = safeNext(params.get("next"));
  const notice = SESSION_NOTICES[params.get("session") ?? ""];
  const login = useLogin();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");

  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    login.mutate({ email, password }, { onSuccess: () => router.replace(next) });
  };

  return (
    <form onSubmit={onSubmit} className="space-y-4" aria-describedby={login.isError ? "login-error" : undefined}>
      {notice && (
        <p role="status" data-testid="session-notice" className="rounded-md border border-warn/40 bg-warn-soft px-3 py-2 text-sm text-fg">
          {notice}
        </p>
      )}
      <Field label="E-mail" htmlFor="email" className="gap-1.5">
        <TextInput
          name="email"
          type="email"
          autoComplete="username"
          required
          limit={LOGIN.email}
          autoFocus
          value={email}
          onChange={(e) => setEmail(e.target.value)}
          className={INPUT}
          placeholder="admin@distillery.local"
        />
      </Field>
      <Field label="Password" htmlFor="password" className="gap-1.5">
        <TextInput
          name="password"
          type="password"
          autoComplete="current-password"
          required
          limit={LOGIN.password}
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          className={INPUT}
        />
      </Field>
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
