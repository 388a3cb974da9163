using System.ComponentModel.DataAnnotations;

namespace MessageQueue.Gateway.Realtime;

/// <summary>The SignalR hub at /hubs/subjects.</summary>
public sealed class RealtimeOptions
{
    public const string SectionName = "Hub";

    /// <summary>Largest message a client may send; room for a 32 KiB update even if JSON escapes every byte.</summary>
    [Range(1024, 16 * 1024 * 1024)]
    public int MaxMessageBytes { get; set; } = 256 * 1024;

    /// <summary>Most missed updates Subscribe replays; a client further behind gets the newest ones and a gap flag.</summary>
    [Range(0, 100_000)]
    public int MaxReplayUpdates { get; set; } = 1000;

    /// <summary>Most text Subscribe replays, in UTF-8 bytes; beyond it the newest updates that fit and a gap flag.</summary>
    [Range(0, 256L * 1024 * 1024)]
    public long MaxReplayBytes { get; set; } = 1024 * 1024;

    /// <summary>A browser that takes longer than this to accept one send is disconnected (it catches up when it
    /// returns), so a stuck browser's unsent updates stop piling up.</summary>
    [Range(1, 600)]
    public int SendTimeoutSeconds { get; set; } = 10;

    /// <summary>How often watchers get the operations overview.</summary>
    [Range(100, 60_000)]
    public int OverviewIntervalMilliseconds { get; set; } = 2000;

    /// <summary>At a stop, how long hub calls in flight may take to answer and the connections to close cleanly
    /// (the close gets at least a second).</summary>
    [Range(0, 120)]
    public int DrainSeconds { get; set; } = 5;

    /// <summary>Bytes the hub may have written to one connection that its transport has not sent yet, before further
    /// writes wait (SignalR's ApplicationMaxBufferSize); a connection stuck that long is cut at Hub:SendTimeoutSeconds.</summary>
    [Range(16 * 1024, 64 * 1024 * 1024)]
    public long ConnectionSendBufferBytes { get; set; } = 64 * 1024;

    /// <summary>Bytes received from one connection that the hub has not read yet, before reading from it pauses
    /// (SignalR's TransportMaxBufferSize).</summary>
    [Range(16 * 1024, 64 * 1024 * 1024)]
    public long ConnectionReceiveBufferBytes { get; set; } = 64 * 1024;
}
