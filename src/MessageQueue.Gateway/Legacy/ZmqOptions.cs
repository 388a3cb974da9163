using System.ComponentModel.DataAnnotations;

namespace MessageQueue.Gateway.Legacy;

/// <summary>The legacy ZeroMQ door: where it binds and what it accepts.</summary>
public sealed class ZmqOptions
{
    public const string SectionName = "Zmq";

    /// <summary>Where legacy REQ clients connect. Port 0 binds a free port (see the log or <see cref="ZmqEndpoints"/>).</summary>
    [Required]
    public string ReplyEndpoint { get; set; } = "tcp://127.0.0.1:8080";

    /// <summary>Where legacy SUB clients connect.</summary>
    [Required]
    public string PublishEndpoint { get; set; } = "tcp://127.0.0.1:5000";

    /// <summary>Largest request answered normally; larger ones get an error reply.</summary>
    [Range(64, 64 * 1024 * 1024)]
    public int MaxRequestBytes { get; set; } = 64 * 1024;

    /// <summary>
    /// Beyond this a peer is disconnected without reading its message: the cap that protects memory. It holds for a
    /// whole message across its frames (with room for a routing envelope), not just for one frame; under CurveZMQ the
    /// frames are encrypted, so only the per-frame cap applies (to peers that hold the server's key).
    /// </summary>
    [Range(64, 256 * 1024 * 1024)]
    public int HardMaxRequestBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>Open connections to both ports together at most; 0 sizes it from the open-files limit (and a larger value is lowered to that).</summary>
    [Range(0, 10_000_000)]
    public int MaxConnections { get; set; }

    /// <summary>Open connections from one client address (an IPv6 /64) at most; 0 is a quarter of <see cref="MaxConnections"/> (behind a proxy every client has its address: set it to <see cref="MaxConnections"/>).</summary>
    [Range(0, 10_000_000)]
    public int MaxConnectionsPerAddress { get; set; }

    /// <summary>
    /// Time a new connection has to greet and send its first command (every ZeroMQ peer does so at once): a connection
    /// that stays silent is cut instead of holding a place under <see cref="MaxConnections"/>.
    /// </summary>
    [Range(1, 3600)]
    public int HandshakeTimeoutSeconds { get; set; } = 10;

    /// <summary>How long closing sockets may spend sending what is still queued.</summary>
    [Range(0, 60_000)]
    public int LingerMilliseconds { get; set; } = 1000;

    /// <summary>Messages queued per subscriber before PUB drops for that subscriber (ZeroMQ's high-water mark).</summary>
    [Range(1, 10_000_000)]
    public int PublishHighWatermark { get; set; } = 10_000;

    /// <summary>
    /// Whether the door takes changes. The legacy protocol cannot carry a key, so anyone who can connect may post ("3")
    /// and remove addresses ("4"); false makes it read-only: "3" and "4" get an error reply, while "1" and "2" (reading,
    /// and registering an address, which needs no key on any door) are served as before.
    /// </summary>
    public bool AllowChanges { get; set; } = true;

    /// <summary>
    /// Bytes published to one subscriber that it has not read yet, beyond which it is disconnected (it may connect
    /// again). The guard in front of the PUB socket holds them, so NetMQ's own queue stays near empty; keep it above
    /// the largest publication (a subject's whole content) or fast subscribers on slow links are cut too.
    /// </summary>
    [Range(64 * 1024, 1L << 40)]
    public long MaxSubscriberBytes { get; set; } = 8 * 1024 * 1024;

    /// <summary>
    /// Bytes held for all subscribers together; past it, a subscriber that is itself behind (64 KiB or more) is
    /// disconnected when more arrives for it, so many never-reading peers cannot add up to more than this.
    /// </summary>
    [Range(1024 * 1024, 1L << 40)]
    public long MaxSubscriberBytesTotal { get; set; } = 256 * 1024 * 1024;

    /// <summary>
    /// FOR MEASUREMENT ONLY: never on a gateway that anyone else can reach. True binds both NetMQ sockets straight to
    /// their endpoints, without the ZMTP guard in front: NetMQ 4.0.4.5 is then open to the frames that kill its I/O
    /// thread (and the process), and the connection caps, the handshake timeout, the whole-message cap and the
    /// subscriber byte budgets no longer hold. It lets the benchmark tell the guard's cost from the door's; start-up
    /// refuses it unless both endpoints are loopback.
    /// </summary>
    public bool DisableGuardForMeasurement { get; set; }

    /// <summary>CurveZMQ for both sockets: off until <see cref="ZmqCurveOptions.ServerSecretKey"/> is set.</summary>
    public ZmqCurveOptions Curve { get; set; } = new();
}
