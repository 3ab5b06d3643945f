import { cva, type VariantProps } from "class-variance-authority";
import type { ButtonHTMLAttributes } from "react";

import { cn } from "@/lib/cn";

/** A button's classes by variant and size; also for links that look like buttons. */
export const buttonVariants = cva(
  "inline-flex items-center justify-center gap-2 rounded-md text-sm font-medium transition disabled:cursor-not-allowed disabled:opacity-60",
  {
    variants: {
      variant: {
        primary: "bg-accent text-accent-fg shadow-sm hover:opacity-90",
        secondary: "border border-border bg-surface text-fg shadow-sm hover:bg-surface-muted",
        ghost: "text-muted hover:bg-surface-muted hover:text-fg",
        danger: "bg-danger text-accent-fg shadow-sm hover:opacity-90",
      },
      size: {
        md: "px-3 py-2",
        sm: "px-2 py-1 text-xs",
      },
    },
    defaultVariants: { variant: "secondary", size: "md" },
  },
);

type ButtonProps = ButtonHTMLAttributes<HTMLButtonElement> & VariantProps<typeof buttonVariants>;

/** A button (`type="button"` unless told otherwise); `className` overrides the variant's classes. */
export function Button({ variant, size, className, type = "button", ...props }: ButtonProps) {
  return <button type={type} className={cn(buttonVariants({ variant, size }), className)} {...props} />;
}
