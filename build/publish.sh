#!/usr/bin/env bash
# Publishes the gateway (Release, framework-dependent) into one folder: what the container image runs.
# The Dockerfile's build stage and CI (tests/run.sh) call this same script.
#
#   build/publish.sh --restore   restore only (NuGet and npm); needs just the project, props and lock files, so
#                                the Dockerfile can run it in a layer that source edits do not invalidate
#   build/publish.sh <outdir>    publish into <outdir> (relative to the caller's directory)
#
# Needs the .NET 10 SDK and Node.js with npm (the build runs `npm ci` for the dashboard's SignalR client).
set -euo pipefail

project=src/MessageQueue.Gateway/MessageQueue.Gateway.csproj

if [ "${1:-}" = --restore ]; then
    cd "$(dirname "$0")/.."
    # The NpmCi target runs `npm ci` and leaves its stamp in obj/, so the publish below does not run it again.
    exec dotnet msbuild "$project" -restore -target:NpmCi -property:Configuration=Release -nologo -verbosity:quiet
fi

if [ $# -ne 1 ] || [ -z "$1" ]; then
    echo "usage: $0 --restore | <outdir>" >&2
    exit 2
fi
out=$(realpath -m "$1")
cd "$(dirname "$0")/.."
dotnet publish "$project" -c Release -o "$out" -warnaserror -nologo -clp:ErrorsOnly
