using NetMQ;

namespace MessageQueue.Gateway.Legacy;

/// <summary>
/// CurveZMQ on the legacy door (<c>Zmq:Curve</c>). With a server secret key both sockets are CURVE servers: traffic is
/// encrypted and a client gets through the handshake only if it knows the server's public key. Keys are Z85 text of
/// 40 characters; <c>mq keygen</c> makes a pair.
/// </summary>
public sealed class ZmqCurveOptions
{
    /// <summary>The server's secret key; set, CurveZMQ is on. Pass it through the environment (<c>Zmq__Curve__ServerSecretKey</c>). Never logged.</summary>
    public string? ServerSecretKey { get; set; }

    /// <summary>Optional: the public key of that secret key, checked at start-up so a pair mixed up from two is caught.</summary>
    public string? ServerPublicKey { get; set; }

    /// <summary>
    /// The client keys to admit, if only some should be. NetMQ 4.0.4.5 has no ZAP and never shows the server a client's
    /// key, so no list can be enforced: start-up refuses a non-empty one rather than ignore it.
    /// </summary>
    public List<string> AllowedClientPublicKeys { get; set; } = [];

    public bool Enabled => !string.IsNullOrEmpty(ServerSecretKey);

    /// <summary>The server's key pair, the public key derived from the secret; null when CurveZMQ is off.</summary>
    internal NetMQCertificate? ServerCertificate() => Enabled ? NetMQCertificate.CreateFromSecretKey(ServerSecretKey!) : null;
}
