using MessageQueue.Gateway.Ingest;
using MessageQueue.Tests.Infrastructure;
using Microsoft.Extensions.Options;
using static MessageQueue.Tests.Ingest.IngestAssert;

namespace MessageQueue.Tests.Ingest;

/// <summary>What the ingest sources refuse at start: one clear line per mistake, a loop back into the gateway's own PUB, an open pull port.</summary>
public sealed class IngestStartupTests
{
    [Fact]
    public void SubSourcePointedAtTheGatewaysOwnPublishEndpointIsRefused()
    {
        var failure = StartUpFailure(Source(0, ("Name", "loop"), ("Kind", "sub"), ("Endpoint", "tcp://localhost:5999"))
            .With("Zmq:PublishEndpoint", "tcp://127.0.0.1:5999"));

        Assert.Contains("Ingest:Sources:0:Endpoint 'tcp://localhost:5999' is this gateway's own publish endpoint (Zmq:PublishEndpoint)", failure, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("tcp://127.0.0.1:5000", "tcp://127.0.0.1:5000", true)]
    [InlineData("tcp://localhost:5000", "tcp://127.0.0.1:5000", true)]
    [InlineData("tcp://127.0.0.1:5000", "tcp://*:5000", true)]
    [InlineData("tcp://127.0.0.1:5001", "tcp://127.0.0.1:5000", false)]
    [InlineData("tcp://10.255.255.1:5000", "tcp://127.0.0.1:5000", false)]
    [InlineData("tcp://127.0.0.1:0", "tcp://127.0.0.1:0", false)]
    public void AnEndpointIsTheGatewaysOwnWhenPortAndHostMatch(string endpoint, string published, bool same) =>
        Assert.Equal(same, OwnEndpoint.IsSame(endpoint, published));

    [Fact]
    public void EachMistakeIsOneLineNamingItsSetting()
    {
        var settings = Source(0, ("Name", "a"), ("Kind", "push"), ("Endpoint", "tcp://127.0.0.1:5556"), ("Payload", "hex"), ("Format", "xml"));
        foreach (var (key, value) in Source(1, ("Name", "a"), ("Kind", "sub")))
            settings[key] = value;
        foreach (var (key, value) in Source(2, ("Name", "bad name"), ("Kind", "pull"), ("Endpoint", "tcp://127.0.0.1:0"), ("Topics:0", "x"), ("Subject", "no spaces")))
            settings[key] = value;
        foreach (var (key, value) in Source(3, ("Name", "c"), ("Kind", "sub"), ("Endpoint", "tcp://127.0.0.1:5557"), ("Subject", "React"), ("SubjectPrefix", "x-")))
            settings[key] = value;

        var failure = StartUpFailure(settings);

        Assert.Contains("Ingest:Sources:0:Kind is 'push': write sub", failure, StringComparison.Ordinal);
        Assert.Contains("Ingest:Sources:0:Payload is 'hex': write text", failure, StringComparison.Ordinal);
        Assert.Contains("Ingest:Sources:0:Format is 'xml': write plain", failure, StringComparison.Ordinal);
        Assert.Contains("Ingest:Sources:1:Endpoint is missing", failure, StringComparison.Ordinal);
        Assert.Contains("Ingest:Sources:1:Name 'a' is the name of another source", failure, StringComparison.Ordinal);
        Assert.Contains("Ingest:Sources:2:Name is a name of letters, digits", failure, StringComparison.Ordinal);
        Assert.Contains("Ingest:Sources:2:Topics are subscriptions, for sub sources", failure, StringComparison.Ordinal);
        Assert.Contains("Ingest:Sources:2:Subject 'no spaces' cannot name a subject", failure, StringComparison.Ordinal);
        Assert.Contains("Ingest:Sources:3:SubjectPrefix and StripTopicPrefix shape subjects named by topics", failure, StringComparison.Ordinal);
        Assert.DoesNotContain("Ingest:Sources:3:Kind", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void PullSourceReachableFromOtherMachinesWithoutCurveIsRefused()
    {
        var failure = StartUpFailure(Source(0, ("Name", "open"), ("Kind", "pull"), ("Endpoint", "tcp://0.0.0.0:0"), ("Subject", "React")));

        Assert.Contains("Ingest:Sources:0:Endpoint binds tcp://0.0.0.0:0, which other machines can reach, without CurveZMQ", failure, StringComparison.Ordinal);
    }

    private static string StartUpFailure(Dictionary<string, string?> settings)
    {
        using var data = new TempDirectory();
        var error = Record.Exception(() => new GatewayFactory(data.Path, settings).Dispose());
        var invalid = Assert.IsType<OptionsValidationException>(error is AggregateException { InnerExceptions: [var inner] } ? inner : error);
        return invalid.Message;
    }
}
