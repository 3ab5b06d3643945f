#!/usr/bin/env bash
# commit-msg hook: the subject (first line) is at most 72 characters and followed by a blank line.
#   usage: scripts/check-commit-subject.sh COMMIT_MSG_FILE
set -euo pipefail
subject=$(grep -v '^#' "$1" | head -n 1)
second=$(grep -v '^#' "$1" | sed -n 2p)
if [ -z "$subject" ]; then echo "the commit message is empty" >&2; exit 1; fi
if [ "${#subject}" -gt 72 ]; then
  echo "the subject has ${#subject} characters (at most 72): say what in the subject, why in the body" >&2
  exit 1
fi
if [ -n "$second" ]; then echo "leave a blank line between the subject and the body" >&2; exit 1; fi
