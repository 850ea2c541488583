# Appends one line to the journal; the directory and the file are root's only.
umask 077
mkdir -p "$(dirname "$1")" && chmod 0700 "$(dirname "$1")" && printf "%s\n" "$2" >> "$1" && chmod 0600 "$1"
