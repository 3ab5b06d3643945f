import type { SVGProps } from "react";

/** Small stroke icons (24-unit grid, currentColor), decorative unless given a title by the caller. */
function Icon({ children, ...props }: SVGProps<SVGSVGElement>) {
  return (
    <svg
      viewBox="0 0 24 24"
      width={18}
      height={18}
      fill="none"
      stroke="currentColor"
      strokeWidth={1.8}
      strokeLinecap="round"
      strokeLinejoin="round"
      aria-hidden="true"
      focusable="false"
      {...props}
    >
      {children}
    </svg>
  );
}

export type IconComponent = (props: SVGProps<SVGSVGElement>) => React.ReactElement;

export const OverviewIcon: IconComponent = (p) => (
  <Icon {...p}>
    <rect x="3" y="3" width="7" height="9" rx="1.5" />
    <rect x="14" y="3" width="7" height="5" rx="1.5" />
    <rect x="14" y="12" width="7" height="9" rx="1.5" />
    <rect x="3" y="16" width="7" height="5" rx="1.5" />
  </Icon>
);

export const TasksIcon: IconComponent = (p) => (
  <Icon {...p}>
    <path d="M9 6h11M9 12h11M9 18h11" />
    <path d="m3.5 6 1.2 1.2L7 4.8M3.5 12l1.2 1.2L7 10.8M3.5 18l1.2 1.2L7 16.8" />
  </Icon>
);

export const DocsIcon: IconComponent = (p) => (
  <Icon {...p}>
    <path d="M14 3H7a2 2 0 0 0-2 2v14a2 2 0 0 0 2 2h10a2 2 0 0 0 2-2V8z" />
    <path d="M14 3v5h5M9 13h6M9 17h4" />
  </Icon>
);

export const ExternalIcon: IconComponent = (p) => (
  <Icon width={14} height={14} {...p}>
    <path d="M14 4h6v6M20 4l-9 9M18 14v5a1 1 0 0 1-1 1H5a1 1 0 0 1-1-1V7a1 1 0 0 1 1-1h5" />
  </Icon>
);

export const MenuIcon: IconComponent = (p) => (
  <Icon width={20} height={20} {...p}>
    <path d="M4 7h16M4 12h16M4 17h16" />
  </Icon>
);

export const CloseIcon: IconComponent = (p) => (
  <Icon width={20} height={20} {...p}>
    <path d="M6 6l12 12M18 6 6 18" />
  </Icon>
);

export const LogoutIcon: IconComponent = (p) => (
  <Icon width={16} height={16} {...p}>
    <path d="M15 4h3a2 2 0 0 1 2 2v12a2 2 0 0 1-2 2h-3M10 17l-5-5 5-5M5 12h11" />
  </Icon>
);

export const RefreshIcon: IconComponent = (p) => (
  <Icon width={16} height={16} {...p}>
    <path d="M20 11a8 8 0 1 0-2.3 5.7M20 4v7h-7" />
  </Icon>
);

export const PlayIcon: IconComponent = (p) => (
  <Icon width={16} height={16} {...p}>
    <path d="M7 5v14l11-7z" />
  </Icon>
);

/** The brand mark: a still's flask with a drop. */
export const LogoMark: IconComponent = (p) => (
  <Icon width={22} height={22} strokeWidth={2} {...p}>
    <path d="M9 3h6M10 3v5.5L5.2 17a2.5 2.5 0 0 0 2.2 3.8h9.2a2.5 2.5 0 0 0 2.2-3.8L14 8.5V3" />
    <path d="M7.5 14h9" />
  </Icon>
);
