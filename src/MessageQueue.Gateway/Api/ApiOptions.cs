using System.ComponentModel.DataAnnotations;

namespace MessageQueue.Gateway.Api;

/// <summary>Limits and timings of the HTTP API.</summary>
public sealed class ApiOptions
{
    public const string SectionName = "Api";

    /// <summary>Largest request body. Room for an update of Subjects:MaxUpdateBytes even when JSON escapes every byte.</summary>
    [Range(1024, 64 * 1024 * 1024)]
    public long MaxRequestBodyBytes { get; set; } = 256 * 1024;

    /// <summary>History page size when the request names none.</summary>
    [Range(1, 10_000)]
    public int DefaultPageSize { get; set; } = 100;

    /// <summary>An idle event stream gets a comment this often, so proxies and clients know it is alive.</summary>
    [Range(1, 3600)]
    public int EventStreamKeepAliveSeconds { get; set; } = 15;

    /// <summary>How long a browser's EventSource waits before reconnecting (the stream's retry field).</summary>
    [Range(100, 600_000)]
    public int EventStreamRetryMilliseconds { get; set; } = 2000;

    /// <summary>Updates that wait for one slow stream; beyond that it catches up from the store instead.</summary>
    [Range(1, 1_000_000)]
    public int EventStreamBufferedUpdates { get; set; } = 1024;

    /// <summary>Bytes of encoded events that wait for one slow stream; beyond that its oldest are dropped and it
    /// catches up from the store instead, as when <see cref="EventStreamBufferedUpdates"/> overflows.</summary>
    [Range(64 * 1024, 1L << 32)]
    public long EventStreamBufferedBytes { get; set; } = 1024 * 1024;
}
