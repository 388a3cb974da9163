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

        [LoggerMessage(9040, LogLevel.Warning, "Ingest source {Source} cut its connection to publisher {Publisher}: {Violation} (the guard keeps malformed ZMTP from NetMQ; ZeroMQ reconnects); {Suppressed} more cut since the last line")]
        public static partial void PublisherCut(ILogger logger, string source, string publisher, string violation, long suppressed);

        [LoggerMessage(9041, LogLevel.Warning, "Ingest source {Source} cannot reach publisher {Publisher}: {Reason}; ZeroMQ keeps trying; {Suppressed} more failed attempts since the last line")]
        public static partial void PublisherUnreachable(ILogger logger, string source, string publisher, string reason, long suppressed);

        [LoggerMessage(9042, LogLevel.Warning, "Ingest source {Source} reached publisher {Publisher}, but it did not complete the ZMTP handshake ({Reason}; {Hint}); {Suppressed} more since the last line")]
        public static partial void PublisherHandshakeFailed(ILogger logger, string source, string publisher, string reason, string hint, long suppressed);

        [LoggerMessage(9043, LogLevel.Information, "Ingest source {Source} lost its connection to publisher {Publisher}; ZeroMQ reconnects; {Suppressed} more since the last line")]
        public static partial void PublisherClosed(ILogger logger, string source, string publisher, long suppressed);
    }
}
