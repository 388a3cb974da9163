using System.Text;
using MessageQueue.Tests.Infrastructure;
using NetMQ;
using NetMQ.Sockets;

namespace MessageQueue.Tests.Legacy;

/// <summary>Whatever a client sends, it gets a reply in the shape its request type expects, and the server goes on serving.</summary>
public sealed class MalformedRequestTests : IClassFixture<GatewayFactory>, IDisposable
{
    private const string InvalidRequest = "Invalid Request. Please try again.";
    private readonly GatewayFactory _gateway;
    private readonly LegacyPeer _peer;

    public MalformedRequestTests(GatewayFactory gateway)
    {
        _gateway = gateway;
        _peer = new LegacyPeer(gateway.Zmq.ReplyEndpoint);
    }

    public static TheoryData<string, string> RepliesToMalformedJson => new()
    {
        { "not json at all", InvalidRequest },
        { "", InvalidRequest },
        { "[\"type\", \"1\"]", InvalidRequest },
        { "\"1\"", InvalidRequest },
        { "{}", InvalidRequest },
        { "{\"type\":1}", InvalidRequest },
        { "{\"type\":null}", InvalidRequest },
        { "{\"type\":\"1\"} trailing", InvalidRequest },
        { "{\"type\":\"1\"", InvalidRequest },
        { "{\"type\":\"1\",\"deep\":" + new string('[', 500) + new string(']', 500) + "}", InvalidRequest },
        { "{\"type\":\"2\"}", "{\"data\": \"A subject name is required. Try again!\", \"isValid\": \"Fail\"}" },
        { "{\"type\":\"2\",\"subject\":\"React\"}", "{\"data\": \"An email address is required. Try again!\", \"isValid\": \"Fail\"}" },
        { "{\"type\":\"2\",\"subject\":\"React\",\"email\":\"not-an-address\"}", "{\"data\": \"'not-an-address' is not a valid email address. Try again!\", \"isValid\": \"Fail\"}" },
        { "{\"type\":\"2\",\"subject\":\"React\",\"email\":\"Bob <bob@example.com>\"}", "{\"data\": \"'Bob <bob@example.com>' is not a valid email address. Try again!\", \"isValid\": \"Fail\"}" },
        { "{\"type\":\"2\",\"subject\":\"React\",\"email\":42}", "{\"data\": \"'email' must be a string. Try again!\", \"isValid\": \"Fail\"}" },
        { "{\"type\":\"2\",\"subject\":\"Re act\",\"email\":\"a@b.com\"}", "{\"data\": \"Not exist subject - Re act. Try again!\", \"isValid\": \"Fail\"}" },
        { "{\"type\":\"3\",\"subject\":\"React\"}", "An update needs some text. Try again!" },
        { "{\"type\":\"3\",\"subject\":\"React\",\"updateMessage\":\"   \"}", "An update needs some text. Try again!" },
        { "{\"type\":\"3\",\"subject\":\"Nope\",\"updateMessage\":\"x\"}", "Not exist subject - Nope. Try again!" },
        { "{\"type\":\"3\",\"subject\":[\"React\"],\"updateMessage\":\"x\"}", "'subject' must be a string. Try again!" },
        { "{\"type\":\"4\",\"subject\":\"React\",\"email\":\"never@example.com\"}", "'never@example.com' is not registered on subject 'React'. Try again!" },
        { "{\"type\":\"4\",\"subject\":\"Nope\",\"email\":\"never@example.com\"}", "Not exist subject - Nope. Try again!" },
        { "{\"type\":\"4\"}", "A subject name is required. Try again!" },
    };

    [Theory]
    [MemberData(nameof(RepliesToMalformedJson))]
    public void MalformedRequestGetsItsErrorReplyAndTheServerGoesOn(string request, string expectedReply)
    {
        Assert.Equal(expectedReply, _peer.RequestRaw(Encoding.UTF8.GetBytes(request)));
        AssertStillServing();
    }

    [Fact]
    public void InvalidUtf8IsRefusedInTheShapeOfItsType()
    {
        var frame = Encoding.UTF8.GetBytes("{\"type\":\"3\",\"subject\":\"React\",\"updateMessage\":\"??\"}");
        frame[^3] = 0xFF;
        frame[^4] = 0xFE;

        Assert.Equal("The request is not valid UTF-8 JSON. Try again!", _peer.RequestRaw(frame));
        AssertStillServing();
    }

    [Fact]
    public void MultiFrameRequestRepliesInvalidRequest()
    {
        Assert.Equal(InvalidRequest, _peer.RequestFrames("{\"type\":\"1\"}"u8.ToArray(), "{\"type\":\"1\"}"u8.ToArray()));
        AssertStillServing();
    }

    [Fact]
    public void OversizedRequestGetsAnErrorInTheShapeOfItsType()
    {
        var padding = new string('x', 70 * 1024);
        var subscribe = _peer.Request(new { type = "2", subject = "React", email = "a@b.com", padding });
        var post = _peer.Request(new { type = "3", subject = "React", updateMessage = padding });

        Assert.Equal("{\"data\": \"The request is larger than 65536 bytes. Try again!\", \"isValid\": \"Fail\"}", subscribe);
        Assert.Equal("The request is larger than 65536 bytes. Try again!", post);
        AssertStillServing();
    }

    [Fact]
    public void UpdateTextOverTheLimitIsRefused()
    {
        var reply = _peer.Request(new { type = "3", subject = "React", updateMessage = new string('y', 40 * 1024) });

        Assert.Equal("An update has at most 32768 bytes of UTF-8 text. Try again!", reply);
    }

    [Fact]
    public void FrameBeyondTheHardCapDropsThatPeerOnly()
    {
        using (var greedy = new RequestSocket())
        {
            greedy.Options.Linger = TimeSpan.Zero;
            greedy.Connect(_gateway.Zmq.ReplyEndpoint);
            greedy.SendFrame(new byte[5 * 1024 * 1024]);
            Assert.False(greedy.TryReceiveFrameBytes(TimeSpan.FromSeconds(1), out _));
        }
        AssertStillServing();
    }

    [Fact]
    public void PeerThatLeavesBeforeItsReplyDisturbsNothingAndItsUpdateIsKept()
    {
        using (var leaver = new RequestSocket())
        {
            leaver.Options.Linger = TimeSpan.FromSeconds(1);
            leaver.Connect(_gateway.Zmq.ReplyEndpoint);
            leaver.SendFrame("{\"type\":\"3\",\"subject\":\"NodeJs\",\"updateMessage\":\"posted by a leaver\"}");
        }

        // Poll: the update is stored whenever the request arrived, whether or not anyone read the reply.
        var deadline = DateTime.UtcNow + LegacyPeer.Timeout;
        string content;
        do
        {
            content = LegacyProtocolTests.ContentOf(_peer.Request(new { type = "2", subject = "NodeJs", email = "watcher@example.com" }));
        }
        while (!content.EndsWith("\nposted by a leaver", StringComparison.Ordinal) && DateTime.UtcNow < deadline);
        Assert.EndsWith("\nposted by a leaver", content, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ARequestSentJustBeforeItsPeerResetsTheConnectionIsStillStored()
    {
        // The reset can reach the guard together with the request: what came before it still goes to NetMQ.
        var peer = await Fuzzing.RawZmtpPeer.ConnectAsync(_gateway.Zmq.ReplyEndpoint);
        await peer.HandshakeAsync();
        await peer.SendAsync(Fuzzing.RawZmtpPeer.Request("{\"type\":\"3\",\"subject\":\"NodeJs\",\"updateMessage\":\"sent before a reset\"}"u8));
        await peer.DisposeAsync(); // linger 0: a reset right behind the request

        var deadline = DateTime.UtcNow + LegacyPeer.Timeout;
        string content;
        do
        {
            content = LegacyProtocolTests.ContentOf(_peer.Request(new { type = "2", subject = "NodeJs", email = "watcher@example.com" }));
        }
        while (!content.Contains("\nsent before a reset", StringComparison.Ordinal) && DateTime.UtcNow < deadline);
        Assert.Contains("\nsent before a reset", content, StringComparison.Ordinal);
    }

    [Fact]
    public void DealerPeerWithoutDelimiterIsAnsweredToo()
    {
        using var dealer = new DealerSocket();
        dealer.Options.Linger = TimeSpan.Zero;
        dealer.Connect(_gateway.Zmq.ReplyEndpoint);
        dealer.SendFrame("{\"type\":\"1\"}");

        Assert.True(dealer.TryReceiveFrameString(LegacyPeer.Timeout, out var reply));
        Assert.Equal("[SpringBoot] [NodeJs] [React] [Django]", reply);
    }

    private void AssertStillServing()
    {
        using var fresh = new LegacyPeer(_gateway.Zmq.ReplyEndpoint);
        Assert.Equal("[SpringBoot] [NodeJs] [React] [Django]", fresh.Request(new { type = "1" }));
    }

    public void Dispose() => _peer.Dispose();
}
