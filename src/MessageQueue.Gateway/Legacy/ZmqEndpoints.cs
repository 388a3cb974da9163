namespace MessageQueue.Gateway.Legacy;

/// <summary>The endpoints the legacy door actually bound (a configured port 0 becomes a real one).</summary>
public sealed class ZmqEndpoints
{
    public string ReplyEndpoint { get; internal set; } = "";
    public string PublishEndpoint { get; internal set; } = "";

    /// <summary>True from the moment both sockets are bound and polled until the door starts to stop (readiness).</summary>
    public bool Listening
    {
        get => Volatile.Read(ref _listening);
        internal set => Volatile.Write(ref _listening, value);
    }

    private bool _listening;
}
