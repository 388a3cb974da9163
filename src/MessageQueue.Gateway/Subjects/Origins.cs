namespace MessageQueue.Gateway.Subjects;

/// <summary>
/// Where an update came in, stored with it and shown to clients as its <c>door</c>: one of the gateway's own doors,
/// or (for updates that ZeroMQ ingest sources feed) a name of their own such as <c>zmq-ingest:telemetry</c>.
/// </summary>
public static class Origins
{
    /// <summary>The legacy ZeroMQ door (kept as "zmq": clients of the REST API and the dashboard know it so).</summary>
    public const string Zmq = "zmq";
    public const string Rest = "rest";
    public const string Hub = "hub";

    /// <summary>The longest origin the store keeps.</summary>
    public const int MaxLength = 64;

    /// <summary>The longest idempotency key the store keeps.</summary>
    public const int MaxIdempotencyKeyLength = 128;

    private const string IngestPrefix = "zmq-ingest:";

    /// <summary>The longest name of an ingest source, so that its origin fits.</summary>
    public const int MaxSourceNameLength = MaxLength - 11; // "zmq-ingest:"

    /// <summary>The origin of the updates an ingest source feeds.</summary>
    public static string Ingest(string sourceName) => IngestPrefix + sourceName;

    /// <summary>Whether the origin is an ingest source's.</summary>
    public static bool IsIngest(string origin) => origin.StartsWith(IngestPrefix, StringComparison.Ordinal);
}
