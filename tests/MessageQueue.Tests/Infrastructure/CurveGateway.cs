using NetMQ;

namespace MessageQueue.Tests.Infrastructure;

/// <summary>A gateway whose legacy door requires CurveZMQ, with a key pair of its own.</summary>
public sealed class CurveGateway : GatewayFactory
{
    public CurveGateway()
        : this(new NetMQCertificate())
    {
    }

    private CurveGateway(NetMQCertificate keys)
        : base(null, new Dictionary<string, string?> { ["Zmq:Curve:ServerSecretKey"] = keys.SecretKeyZ85 }) => Keys = keys;

    /// <summary>The server's key pair; clients need <see cref="NetMQCertificate.PublicKey"/>.</summary>
    public NetMQCertificate Keys { get; }
}
