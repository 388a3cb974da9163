# syntax=docker/dockerfile:1
# The gateway's image: HTTP (REST, Swagger, SignalR hub, dashboard) on 5080, the legacy ZeroMQ door on 8080 (reply)
# and 5000 (publish), state in two volumes. See README, "Container". tests/MessageQueue.Tests/Container checks this
# file's contract and runs the published build with the environment below.

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
# Node.js and npm: the build runs `npm ci` for the dashboard's SignalR client.
RUN apt-get update \
    && apt-get install -y --no-install-recommends nodejs npm \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Restore from the files that decide the packages only, so an edit to the code reuses this layer.
COPY Directory.Build.props Directory.Packages.props ./
COPY src/MessageQueue.Gateway/MessageQueue.Gateway.csproj src/MessageQueue.Gateway/package.json src/MessageQueue.Gateway/package-lock.json src/MessageQueue.Gateway/
COPY build/publish.sh build/
RUN build/publish.sh --restore
# The same script CI runs (tests/run.sh). .dockerignore keeps build output, local state, tests and global.json
# out: the image's SDK builds, whatever patch band the repository pins for developers.
COPY . .
RUN build/publish.sh /app

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
WORKDIR /app
# The program stays owned by root: the app user can read it, not change it.
COPY --from=build /app .
# State lives in volumes owned by the app user (a named volume starts with this owner; a bind mount must grant it):
# /app/data the database and the keys that sign the links in mails (they belong together: a new key voids old
# links), /app/mail the mails written when no SMTP server is configured.
RUN mkdir -p /app/data/keys /app/mail \
    && chown -R "$APP_UID:$APP_UID" /app/data /app/mail
VOLUME ["/app/data", "/app/mail"]
# Every door on every interface. ASPNETCORE_HTTP_PORTS is emptied: the base image sets 8080 there, the ZeroMQ reply
# port. No credentials and no Auth__AllowAnonymous: off loopback the gateway refuses to start until it is given
# API keys (or told it may run open), see README.
ENV ASPNETCORE_HTTP_PORTS="" \
    ASPNETCORE_URLS="http://+:5080" \
    Zmq__ReplyEndpoint="tcp://*:8080" \
    Zmq__PublishEndpoint="tcp://*:5000" \
    ConnectionStrings__MessageQueue="Data Source=/app/data/messagequeue.db" \
    Email__KeysDirectory="/app/data/keys" \
    Email__PickupDirectory="/app/mail"
EXPOSE 5080 8080 5000
# The base image's non-root user "app" (UID 1654).
USER $APP_UID
# The image has no curl or wget: bash's /dev/tcp sends one request and the probe passes only on status 200.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/5080 && printf 'GET /health/live HTTP/1.1\\r\\nHost: 127.0.0.1\\r\\nConnection: close\\r\\n\\r\\n' >&3 && read -r -t 4 _ status _ <&3 && [[ $status == 200 ]]"]
ENTRYPOINT ["dotnet", "MessageQueue.Gateway.dll"]
