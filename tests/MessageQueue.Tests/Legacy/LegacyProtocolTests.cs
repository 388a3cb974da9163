using System.Text.Json;
using MessageQueue.Tests.Infrastructure;

namespace MessageQueue.Tests.Legacy;

/// <summary>Every row of the legacy protocol page, against the running gateway with NetMQ REQ and SUB peers.</summary>
public sealed class LegacyProtocolTests : IDisposable
{
    private readonly GatewayFactory _gateway = new();
    private readonly LegacyPeer _peer;

    public LegacyProtocolTests() => _peer = new LegacyPeer(_gateway.Zmq.ReplyEndpoint);

    [Fact]
    public void ListRepliesWithEveryDefaultSubjectInBrackets()
    {
        Assert.Equal("[SpringBoot] [NodeJs] [React] [Django]", _peer.Request(new { type = "1" }));
    }

    [Fact]
    public void SubscribeRepliesWithTheWholeContentInThePythonJsonShape()
    {
        var reply = _peer.Request(new { type = "2", email = "a@b.com", subject = "React" });

        Assert.StartsWith("{\"data\": \"React is a JavaScript library", reply, StringComparison.Ordinal);
        Assert.EndsWith("\", \"isValid\": \"isSuccess\"}", reply, StringComparison.Ordinal);
    }

    [Fact]
    public void SubscribeToUnknownSubjectRepliesWithTheOriginalFailure()
    {
        Assert.Equal(
            "{\"data\": \"Not exist subject - Vue. Try again!\", \"isValid\": \"Fail\"}",
            _peer.Request(new { type = "2", email = "a@b.com", subject = "Vue" }));
    }

    [Fact]
    public void AddContentAppendsALineAndPublishesTheSubjectWithItsWholeContent()
    {
        using var subscriber = new LegacySubscriber(_gateway.Zmq.PublishEndpoint, "Django");
        subscriber.WaitUntilJoined(_peer, "Django");

        Assert.Equal("isSuccess", _peer.Request(new { type = "3", subject = "Django", updateMessage = "Django 6 is out" }));

        var publication = subscriber.Receive();
        var content = ContentOf(_peer.Request(new { type = "2", email = "reader@example.com", subject = "Django" }));
        Assert.Equal("Django " + content, publication);
        Assert.StartsWith("Django is a high-level Python web framework", content, StringComparison.Ordinal);
        Assert.EndsWith("\nDjango 6 is out", content, StringComparison.Ordinal);
    }

    [Fact]
    public void NonAsciiTextSurvivesTheRoundTrip()
    {
        Assert.Equal("isSuccess", _peer.Request(new { type = "3", subject = "NodeJs", updateMessage = "Grüße, 世界 🚀" }));

        var content = ContentOf(_peer.Request(new { type = "2", email = "a@b.com", subject = "NodeJs" }));
        Assert.EndsWith("\nGrüße, 世界 🚀", content, StringComparison.Ordinal);
    }

    [Fact]
    public void UnsubscribeRemovesARegisteredEmailOnceAndThenRefuses()
    {
        Assert.Contains("isSuccess", _peer.Request(new { type = "2", email = "leaver@example.com", subject = "SpringBoot" }), StringComparison.Ordinal);

        Assert.Equal("isSuccess", _peer.Request(new { type = "4", subject = "SpringBoot", email = "leaver@example.com" }));
        var again = _peer.Request(new { type = "4", subject = "SpringBoot", email = "leaver@example.com" });
        Assert.Equal("'leaver@example.com' is not registered on subject 'SpringBoot'. Try again!", again);
    }

    [Fact]
    public void RegisteringTheSameEmailTwiceIsHarmlessAndIgnoresCase()
    {
        Assert.Contains("isSuccess", _peer.Request(new { type = "2", email = "twice@example.com", subject = "React" }), StringComparison.Ordinal);
        Assert.Contains("isSuccess", _peer.Request(new { type = "2", email = "Twice@Example.com", subject = "React" }), StringComparison.Ordinal);

        Assert.Equal("isSuccess", _peer.Request(new { type = "4", subject = "React", email = "twice@example.com" }));
        Assert.NotEqual("isSuccess", _peer.Request(new { type = "4", subject = "React", email = "twice@example.com" }));
    }

    [Fact]
    public void UnknownTypeRepliesInvalidRequest()
    {
        Assert.Equal("Invalid Request. Please try again.", _peer.Request(new { type = "5" }));
    }

    public void Dispose()
    {
        _peer.Dispose();
        _gateway.Dispose();
    }

    internal static string ContentOf(string subscribeReply)
    {
        using var reply = JsonDocument.Parse(subscribeReply);
        Assert.Equal("isSuccess", reply.RootElement.GetProperty("isValid").GetString());
        return reply.RootElement.GetProperty("data").GetString()!;
    }
}
