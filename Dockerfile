# The kreditku image: the single binary (npm run build → dist/kreditku) plus the backup cron scripts.
#   npm run build && docker build -t ghcr.io/kreditku/kreditku:0.1.0 .
# Runs as uid 10001 with a read-only root file system (the depot is a volume at /depot, /tmp an emptyDir).
FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates tzdata \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --gid 10001 kreditku \
 && useradd --uid 10001 --gid 10001 --no-create-home --home-dir /depot --shell /usr/sbin/nologin kreditku \
 && mkdir -p /depot && chown 10001:10001 /depot
COPY --chmod=0755 dist/kreditku /usr/local/bin/kreditku
COPY --chmod=0755 scripts/ops-lib.sh scripts/backup.sh scripts/restore.sh scripts/verify-latest-backup.sh /usr/local/share/kreditku/scripts/
ENV KREDITKU_DEPOT=/depot \
    KREDITKU_BIN=/usr/local/bin/kreditku \
    KREDITKU_HOST=0.0.0.0 \
    KREDITKU_PORT=4000
USER 10001:10001
WORKDIR /depot
EXPOSE 4000
VOLUME ["/depot"]
ENTRYPOINT ["/usr/local/bin/kreditku"]
CMD ["serve", "--depot", "/depot"]
