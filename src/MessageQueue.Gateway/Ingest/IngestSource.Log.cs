namespace MessageQueue.Gateway.Ingest;

internal sealed partial class IngestSource
{
    private static partial class Log
    {
        [LoggerMessage(9010, LogLevel.Warning, "Ingest source {Source} dropped a message: {Reason} {Detail}; {Suppressed} more dropped for that reason since the last line")]
        public static partial void Dropped(ILogger logger, string source, IngestDrop reason, string detail, long suppressed);

        [LoggerMessage(9011, LogLevel.Information, "Ingest source {Source} stopped reading: the store is busy or unavailable, so its PUSH peers wait until it takes updates again; {Suppressed} more pauses since the last line")]
        public static partial void Paused(ILogger logger, string source, long suppressed);

        [LoggerMessage(9014, LogLevel.Information, "Ingest source {Source} is over its rate limit ({MessagesPerSecond} messages/s, {BytesPerSecond} bytes/s; 0 is none) and waits a moment; {Suppressed} more waits since the last line")]
        public static partial void RateLimited(ILogger logger, string source, int messagesPerSecond, long bytesPerSecond, long suppressed);

        [LoggerMessage(9012, LogLevel.Information, "Ingest source {Source} created subject {Subject}")]
        public static partial void Created(ILogger logger, string source, string subject);

        [LoggerMessage(9013, LogLevel.Error, "Ingest source {Source} failed on a message unexpectedly; it was dropped")]
        public static partial void Failed(ILogger logger, string source, Exception exception);
    }
}
