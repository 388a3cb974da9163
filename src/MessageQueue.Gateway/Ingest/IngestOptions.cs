using System.ComponentModel.DataAnnotations;
using MessageQueue.Gateway.Subjects;

namespace MessageQueue.Gateway.Ingest;

/// <summary>ZeroMQ services whose messages the gateway stores as updates: the ingest sources.</summary>
public sealed class IngestOptions
{
    public const string SectionName = "Ingest";

    /// <summary>The sources, none by default. Each is checked at start (<see cref="IngestOptionsValidator"/>).</summary>
    public List<IngestSourceOptions> Sources { get; set; } = [];

    /// <summary>
    /// Beyond this a frame is not read at all: a <c>pull</c> peer is disconnected by the guard, a <c>sub</c>
    /// connection by NetMQ (it reconnects). Frames between the update limit and this are read, dropped and counted.
    /// </summary>
    [Range(1024, 256 * 1024 * 1024)]
    public int HardMaxFrameBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>
    /// With several instances on PostgreSQL, how often an instance reading no <c>sub</c> source tries to take it, and
    /// one reading it checks it still holds it: the longest a source goes unread after its reader dies, roughly.
    /// </summary>
    [Range(100, 60_000)]
    public int LeaseIntervalMilliseconds { get; set; } = 2000;
}

/// <summary>One ZeroMQ service feeding updates.</summary>
public sealed class IngestSourceOptions
{
    public const string KindSub = "sub";
    public const string KindPull = "pull";
    public const string PayloadText = "text";
    public const string PayloadBase64 = "base64";
    public const string FormatPlain = "plain";
    public const string FormatPushpin = "pushpin";

    /// <summary>Names the source in logs, metrics and the updates' door (<c>zmq-ingest:&lt;Name&gt;</c>).</summary>
    [Required(ErrorMessage = "is required")]
    [RegularExpression("^[A-Za-z0-9][A-Za-z0-9._-]*$", ErrorMessage = "is a name of letters, digits, '.', '_' and '-' (starting with a letter or digit)")]
    [StringLength(Origins.MaxSourceNameLength, ErrorMessage = "has at most {1} characters")]
    public string Name { get; set; } = "";

    /// <summary><c>sub</c>: connect a SUB socket to existing PUB endpoints; <c>pull</c>: bind a PULL socket that PUSH peers connect to.</summary>
    public string Kind { get; set; } = "";

    /// <summary>One endpoint, tcp://host:port (a <c>pull</c> source binds it, port 0 for a free one; a <c>sub</c> source connects to it).</summary>
    public string? Endpoint { get; set; }

    /// <summary>More endpoints for a <c>sub</c> source, connected to as well.</summary>
    public List<string> Endpoints { get; set; } = [];

    /// <summary>For <c>sub</c>: topic prefixes subscribed to; none subscribes to everything.</summary>
    public List<string> Topics { get; set; } = [];

    /// <summary>Every message goes to this subject; when empty, the first frame (the topic) names the subject.</summary>
    public string? Subject { get; set; }

    /// <summary>Topic-named subjects: removed from the start of the topic; a topic that does not start with it is dropped.</summary>
    public string? StripTopicPrefix { get; set; }

    /// <summary>Topic-named subjects: put before the (stripped) topic, e.g. <c>plant.</c> makes topic <c>boiler</c> subject <c>plant.boiler</c>.</summary>
    public string? SubjectPrefix { get; set; }

    /// <summary>Whether a topic naming no existing subject creates it (up to Subjects:MaxSubjects); otherwise it is dropped and counted.</summary>
    public bool CreateSubjects { get; set; }

    /// <summary><c>text</c>: the payload is UTF-8 text (invalid UTF-8 is dropped); <c>base64</c>: any bytes, stored as base64 text.</summary>
    public string Payload { get; set; } = PayloadText;

    /// <summary>Messages the socket queues before ZeroMQ stops taking more (a PUSH peer then waits; a PUB drops for this source).</summary>
    [Range(1, 10_000_000, ErrorMessage = "is between {1} and {2}")]
    public int ReceiveHighWatermark { get; set; } = 1000;

    /// <summary>
    /// Messages read per second at most, 0 for no limit: beyond it a <c>pull</c> source stops reading for a moment (its
    /// PUSH peers wait), a <c>sub</c> source drops and counts (<c>rate_limited</c>). Generous by default: it keeps one
    /// runaway service from taking every update the store can commit, not an ordinary one from its work.
    /// </summary>
    [Range(0, 10_000_000, ErrorMessage = "is between {1} and {2}")]
    public int MaxMessagesPerSecond { get; set; } = 10_000;

    /// <summary>Bytes read per second at most (every frame counted), 0 for no limit; beyond it as for <see cref="MaxMessagesPerSecond"/>.</summary>
    [Range(0, long.MaxValue, ErrorMessage = "is at least {1}")]
    public long MaxBytesPerSecond { get; set; } = 16 * 1024 * 1024;

    /// <summary><c>plain</c>: frames as described above; <c>pushpin</c>: Pushpin's ZeroMQ publish format (a <c>J</c>-prefixed JSON item).</summary>
    public string Format { get; set; } = FormatPlain;

    /// <summary>For <c>sub</c>: the publisher's CurveZMQ public key (Z85); with it the connection is encrypted and the publisher authenticated.</summary>
    public string? CurveServerKey { get; set; }

    /// <summary>For <c>sub</c> with <see cref="CurveServerKey"/>: this client's secret key (Z85); none makes a new key pair at each start.</summary>
    public string? CurveSecretKey { get; set; }

    /// <summary>For <c>sub</c> with <see cref="CurveSecretKey"/>: this client's public key (Z85), checked against the secret.</summary>
    public string? CurvePublicKey { get; set; }

    /// <summary>Every endpoint, <see cref="Endpoint"/> first.</summary>
    internal IEnumerable<string> AllEndpoints =>
        (string.IsNullOrWhiteSpace(Endpoint) ? Endpoints : Endpoints.Prepend(Endpoint)).Where(e => !string.IsNullOrWhiteSpace(e));

    internal bool IsPull => string.Equals(Kind, KindPull, StringComparison.OrdinalIgnoreCase);

    internal bool IsPushpin => string.Equals(Format, FormatPushpin, StringComparison.OrdinalIgnoreCase);

    internal bool IsBase64 => string.Equals(Payload, PayloadBase64, StringComparison.OrdinalIgnoreCase);

    /// <summary>The door its updates are stored with.</summary>
    internal string Origin => Origins.Ingest(Name);
}
