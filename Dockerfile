# EnerTrack in a container, as the earlier deployment ran it:
#   make deb                                  # dist/enertrack_<version>_amd64.deb (the image installs it)
#   docker build -t enertrack .
#   docker run -d --env-file .env -p 8006:8006 --name enertrack enertrack
# The earlier deployment's .env works unchanged. Data (the embedded stores) live in the volume
# /var/lib/enertrack; the process runs as the package's enertrack user.
FROM debian:bookworm-slim

COPY dist/enertrack_*_amd64.deb /tmp/
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends /tmp/enertrack_*_amd64.deb curl ca-certificates \
    && rm -rf /var/lib/apt/lists/* /tmp/enertrack_*_amd64.deb

USER enertrack
WORKDIR /var/lib/enertrack
ENV ENERTRACK_DATA_DIR=/var/lib/enertrack
VOLUME /var/lib/enertrack
EXPOSE 8006
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD curl -fsS http://127.0.0.1:8006/healthz || exit 1
ENTRYPOINT ["enertrack"]
CMD ["serve", "--listen", "0.0.0.0", "--port", "8006"]
