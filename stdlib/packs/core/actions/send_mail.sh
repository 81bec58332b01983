#!/bin/sh
# send_mail.sh: the script behind core.sendmail (see sendmail.yaml).
#
# Builds one MIME message (UTF-8 text or HTML, optional attachments) and hands it to
# sendmail(8) with -t (recipients are read from the To header) and -i (a line holding a
# single "." does not end the message). Arguments arrive in the positions of the action's
# parameters; the local-shell-script runner passes an empty string for a null value,
# booleans as 1/0 and arrays joined with commas.
#
# Usage: send_mail.sh TO FROM SUBJECT BODY CONTENT_TYPE ATTACHMENTS SEND_EMPTY_BODY SENDMAIL
#
# Exit status: 0 when the MTA accepted the message (or the body was empty and
# SEND_EMPTY_BODY false), 64 for a bad argument, 66 for an attachment that cannot be read,
# 69 when the sendmail program (or a base64 encoder, when one is needed) is missing, 70 when
# the message could not be built, otherwise the non-zero status of sendmail itself.

set -u

die() {
  status=$1
  shift
  printf 'core.sendmail: %s\n' "$*" >&2
  exit "$status"
}

[ "$#" -eq 8 ] || die 64 "expected 8 arguments (see the usage line in $0), got $#"

to=$1
from=$2
subject=$3
body=$4
content_type=$5
attachments=$6
send_empty_body=$7
sendmail=$8

nl='
'
cr=$(printf '\r')

# Header values come from rule data: a line break in one would let it add headers (say a
# Bcc), so addresses with one are refused and the subject is flattened to one line.
[ -n "$to" ] || die 64 "no recipient: 'to' is empty"
case $to$from in
  *"$nl"* | *"$cr"*) die 64 "'to' and 'from' must not contain line breaks" ;;
esac
subject=$(printf '%s' "$subject" | tr '\r\n' '  ')

case $content_type in
  text/plain | text/html) ;;
  *) die 64 "content_type must be text/plain or text/html, got '$content_type'" ;;
esac

case $send_empty_body in
  1 | true | True | TRUE) send_empty_body=1 ;;
  0 | false | False | FALSE | '') send_empty_body=0 ;;
  *) die 64 "send_empty_body must be 1/true or 0/false, got '$send_empty_body'" ;;
esac

if [ -z "$body" ] && [ "$send_empty_body" -eq 0 ]; then
  printf 'core.sendmail: the body is empty and send_empty_body is false: nothing sent\n'
  exit 0
fi

[ -n "$sendmail" ] || sendmail=/usr/sbin/sendmail
if [ ! -f "$sendmail" ] || [ ! -x "$sendmail" ]; then
  die 69 "no executable sendmail program at '$sendmail'"
fi

# Attachments: from here on the positional parameters are the attachment paths, and every
# one must name a readable regular file before anything is sent.
old_ifs=$IFS
IFS=,
set -f
# Field splitting on commas is the point here.
# shellcheck disable=SC2086
set -- $attachments
set +f
IFS=$old_ifs
attachment_count=0
for path; do
  [ -n "$path" ] || continue
  if [ ! -f "$path" ] || [ ! -r "$path" ]; then
    die 66 "cannot read attachment '$path'"
  fi
  attachment_count=$((attachment_count + 1))
done

is_ascii() {
  ! printf '%s' "$1" | LC_ALL=C grep -q '[^ -~	]'
}

has_long_lines() {
  printf '%s\n' "$1" | LC_ALL=C awk 'length($0) > 998 { long = 1 } END { exit !long }'
}

# Decide how the body travels, and whether a base64 encoder is needed at all.
if [ "$attachment_count" -gt 0 ] || has_long_lines "$body"; then
  body_encoding=base64
elif is_ascii "$body"; then
  body_encoding=7bit
else
  body_encoding=8bit
fi

b64=
if [ "$body_encoding" = base64 ] || ! is_ascii "$subject"; then
  if command -v base64 >/dev/null 2>&1; then
    b64=base64
  elif command -v openssl >/dev/null 2>&1; then
    b64='openssl base64'
  else
    die 69 "neither base64 nor openssl is installed; both are needed for this message"
  fi
fi

encode() {
  # $b64 is one of two fixed command lines chosen above: word splitting is intended.
  $b64
}

# A subject with non-ASCII text becomes an RFC 2047 encoded word.
if ! is_ascii "$subject"; then
  subject="=?UTF-8?B?$(printf '%s' "$subject" | encode | tr -d '\n')?="
fi

mime_type() {
  # file(1)'s guess when it is installed and gives a plain type/subtype, else a byte stream.
  type=
  if command -v file >/dev/null 2>&1; then
    type=$(file --brief --mime-type -- "$1" 2>/dev/null) || type=
  fi
  if printf '%s\n' "$type" | grep -q '^[A-Za-z0-9][A-Za-z0-9.+-]*/[A-Za-z0-9][A-Za-z0-9.+-]*$'; then
    printf '%s' "$type"
  else
    printf 'application/octet-stream'
  fi
}

quoted_file_name() {
  # The file's base name as a quoted-string: backslashes and quotes escaped, line breaks
  # dropped.
  base=$(basename -- "$1")
  printf '%s' "$base" | tr -d '\r\n' | sed 's/[\\"]/\\&/g'
}

write_body() {
  if [ "$body_encoding" = base64 ]; then
    printf '%s\n' "$body" | encode || die 70 "cannot encode the body"
  else
    printf '%s\n' "$body"
  fi
}

tmp=$(mktemp "${TMPDIR:-/tmp}/squall-mail.XXXXXX") || die 70 "cannot create a temporary file"
trap 'rm -f "$tmp"' EXIT
trap 'exit 70' HUP INT TERM

boundary="=_squall_$$_$(date +%Y%m%d%H%M%S)"
{
  printf 'From: %s\n' "$from"
  printf 'To: %s\n' "$to"
  printf 'Subject: %s\n' "$subject"
  printf 'Date: %s\n' "$(LC_ALL=C date '+%a, %d %b %Y %H:%M:%S %z')"
  printf 'MIME-Version: 1.0\n'
  printf 'X-Mailer: Squall core.sendmail\n'
  if [ "$attachment_count" -eq 0 ]; then
    printf 'Content-Type: %s; charset=UTF-8\n' "$content_type"
    printf 'Content-Transfer-Encoding: %s\n' "$body_encoding"
    printf '\n'
    write_body
  else
    printf 'Content-Type: multipart/mixed; boundary="%s"\n' "$boundary"
    printf '\n'
    printf 'This is a MIME message with %s attachment(s).\n' "$attachment_count"
    printf '\n--%s\n' "$boundary"
    printf 'Content-Type: %s; charset=UTF-8\n' "$content_type"
    printf 'Content-Transfer-Encoding: base64\n'
    printf '\n'
    write_body
    for path; do
      [ -n "$path" ] || continue
      name=$(quoted_file_name "$path")
      printf '\n--%s\n' "$boundary"
      printf 'Content-Type: %s; name="%s"\n' "$(mime_type "$path")" "$name"
      printf 'Content-Disposition: attachment; filename="%s"\n' "$name"
      printf 'Content-Transfer-Encoding: base64\n'
      printf '\n'
      encode <"$path" || die 70 "cannot encode attachment '$path'"
    done
    printf '\n--%s--\n' "$boundary"
  fi
} >"$tmp" || die 70 "cannot write the message to $tmp"

"$sendmail" -t -i <"$tmp"
status=$?
[ "$status" -eq 0 ] || die "$status" "$sendmail exited with status $status; the message was not sent"
printf 'core.sendmail: message to %s handed to %s\n' "$to" "$sendmail"
