using MessageQueue.Tests.Infrastructure;
using NetMQ;

namespace MessageQueue.Tests.Legacy;

/// <summary>The legacy door with CurveZMQ: clients that know the server's public key get in, others get nothing.</summary>
public sealed class CurveTests : IClassFixture<CurveGateway>
{
    /// <summary>How long a request that must go unanswered is given: the refused handshake is immediate on loopback.</summary>
    private static readonly TimeSpan Unanswered = TimeSpan.FromSeconds(1);

    private readonly CurveGateway _gateway;

    public CurveTests(CurveGateway gateway) => _gateway = gateway;

    private byte[] ServerKey => _gateway.Keys.PublicKey;

    [Fact]
    public void CurveClientWithTheServerKeyIsAnsweredAndReceivesPublications()
    {
        using var peer = new LegacyPeer(_gateway.Zmq.ReplyEndpoint, ServerKey);
        using var subscriber = new LegacySubscriber(_gateway.Zmq.PublishEndpoint, "React", ServerKey);

        Assert.Equal("[SpringBoot] [NodeJs] [React] [Django]", peer.Request(new { type = "1" }));
        subscriber.WaitUntilJoined(peer, "React");
        var text = $"over CurveZMQ {Guid.NewGuid():N}";
        Assert.Equal("isSuccess", peer.Request(new { type = "3", subject = "React", updateMessage = text }));

        var publication = subscriber.Receive();
        Assert.StartsWith("React ", publication, StringComparison.Ordinal);
        Assert.EndsWith("\n" + text, publication, StringComparison.Ordinal);
    }

    [Fact]
    public void PlainClientGetsNoReplyAndNoPublications()
    {
        using var plain = new LegacyPeer(_gateway.Zmq.ReplyEndpoint);
        Assert.False(plain.TryRequest(new { type = "1" }, Unanswered, out var reply), $"a plain client got '{reply}'");

        // A CurveZMQ subscriber beside the plain one proves the publication went out.
        using var plainSubscriber = new LegacySubscriber(_gateway.Zmq.PublishEndpoint, "Django");
        using var peer = new LegacyPeer(_gateway.Zmq.ReplyEndpoint, ServerKey);
        using var subscriber = new LegacySubscriber(_gateway.Zmq.PublishEndpoint, "Django", ServerKey);
        subscriber.WaitUntilJoined(peer, "Django");
        Assert.Equal("isSuccess", peer.Request(new { type = "3", subject = "Django", updateMessage = "not for plain ears" }));
        Assert.EndsWith("not for plain ears", subscriber.Receive(), StringComparison.Ordinal);

        Assert.False(plainSubscriber.TryReceive(Unanswered, out var frame), $"a plain subscriber got '{frame}'");
    }

    [Fact]
    public void ClientWithAnotherServerKeyGetsNoReply()
    {
        using var peer = new LegacyPeer(_gateway.Zmq.ReplyEndpoint, new NetMQCertificate().PublicKey);

        Assert.False(peer.TryRequest(new { type = "1" }, Unanswered, out var reply), $"a client with the wrong server key got '{reply}'");
    }

    /// <summary>
    /// What NetMQ 4.0.4.5 cannot do, pinned so that a NetMQ that learns it is noticed: the server never sees a client's
    /// long-term key (no ZAP, no allow-list), so any key pair is admitted with the server's public key.
    /// </summary>
    [Fact]
    public void EveryClientKeyPairIsAdmittedWithTheServerKey()
    {
        using var one = new LegacyPeer(_gateway.Zmq.ReplyEndpoint, ServerKey);
        using var another = new LegacyPeer(_gateway.Zmq.ReplyEndpoint, ServerKey);

        Assert.StartsWith("[SpringBoot]", one.Request(new { type = "1" }), StringComparison.Ordinal);
        Assert.StartsWith("[SpringBoot]", another.Request(new { type = "1" }), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PyzmqCurveClientRequestsAndSubscribes()
    {
        var output = await PythonClientTests.RunPythonAsync(
            "curve_flows.py", _gateway.Zmq.ReplyEndpoint, _gateway.Zmq.PublishEndpoint, _gateway.Keys.PublicKeyZ85);

        Assert.Equal(
            [
                "plain list: no reply",
                "curve list: [SpringBoot] [NodeJs] [React] [Django]",
                "post: isSuccess",
                "publication ends with: hello over curve from pyzmq",
            ],
            output);
    }
}
