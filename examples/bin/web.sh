#!/bin/sh
# A web server stand-in: one request a second, now and then a 404.
trap 'echo "web: shutting down"; exit 0' INT TERM
echo "web: listening on http://127.0.0.1:${PORT:-8000}"
i=0
while :; do
	for path in / /about /api/items /static/app.css /api/items/42 /login; do
		i=$((i + 1))
		status=200
		[ $((i % 7)) -eq 0 ] && status=404
		echo "web: GET $path $status ($((i % 40 + 2)) ms)"
		sleep 1 &
		wait $!
	done
done
