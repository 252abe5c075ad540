#!/bin/sh
# A file watcher stand-in: polls a folder (names, sizes, times) and says
# when anything in it changes.
trap 'exit 0' INT TERM
dir=${WATCH_DIR:-.}
echo "watcher: watching $dir"
last=$(ls -lR --full-time "$dir" 2>/dev/null | cksum)
while :; do
	sleep 2 &
	wait $!
	now=$(ls -lR --full-time "$dir" 2>/dev/null | cksum)
	if [ "$now" != "$last" ]; then
		echo "watcher: change in $dir: rebuilding assets"
		last=$now
	fi
done
