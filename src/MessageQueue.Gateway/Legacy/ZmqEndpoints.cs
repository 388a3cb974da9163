namespace MessageQueue.Gateway.Legacy;

/// <summary>The endpoints the legacy door actually bound (a configured port 0 becomes a real one).</summary>
public sealed class ZmqEndpoints
{
    public string ReplyEndpoint { get; internal set; } = "";
    public string PublishEndpoint { get; internal set; } = "";
}
