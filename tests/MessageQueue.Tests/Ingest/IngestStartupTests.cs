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

    [Fact]
    public void CurveKeysAreForSubSourcesInZ85WithTheServerKeyFirstAndAPublicKeyOfTheirSecret()
    {
        var publisher = new NetMQ.NetMQCertificate();
        var client = new NetMQ.NetMQCertificate();
        var other = new NetMQ.NetMQCertificate();
        var settings = Source(0, ("Name", "p"), ("Kind", "pull"), ("Endpoint", "tcp://127.0.0.1:0"), ("Subject", "React"), ("CurveServerKey", publisher.PublicKeyZ85));
        (int Index, (string, string)[] Keys)[] subs =
        [
            (1, [("CurveServerKey", publisher.PublicKeyZ85[..39])]),
            (2, [("CurveServerKey", publisher.PublicKeyZ85[..39] + "~")]),
            (3, [("CurveSecretKey", client.SecretKeyZ85!)]),
            (4, [("CurveServerKey", publisher.PublicKeyZ85), ("CurvePublicKey", client.PublicKeyZ85)]),
            (5, [("CurveServerKey", publisher.PublicKeyZ85), ("CurveSecretKey", client.SecretKeyZ85!), ("CurvePublicKey", other.PublicKeyZ85)]),
            (6, [("CurveServerKey", publisher.PublicKeyZ85), ("CurveSecretKey", client.SecretKeyZ85!), ("CurvePublicKey", client.PublicKeyZ85)]),
            (7, [("CurveServerKey", publisher.PublicKeyZ85)]),
        ];
        foreach (var (index, keys) in subs)
        {
            foreach (var (key, value) in Source(index, [("Name", $"s{index}"), ("Kind", "sub"), ("Endpoint", $"tcp://127.0.0.1:{5600 + index}"), .. keys]))
                settings[key] = value;
        }

        var failure = StartUpFailure(settings);

        Assert.Contains("Ingest:Sources:0:CurveServerKey, CurveSecretKey and CurvePublicKey are for sub sources", failure, StringComparison.Ordinal);
        Assert.Contains("Ingest:Sources:1:CurveServerKey is 39 characters long, not the 40 of a Z85 key", failure, StringComparison.Ordinal);
        Assert.Contains("Ingest:Sources:2:CurveServerKey has a character outside the Z85 alphabet at position 40", failure, StringComparison.Ordinal);
        Assert.Contains("Ingest:Sources:3:CurveServerKey is missing", failure, StringComparison.Ordinal);
        Assert.Contains("Ingest:Sources:4:CurvePublicKey is set but Ingest:Sources:4:CurveSecretKey is not", failure, StringComparison.Ordinal);
        Assert.Contains("Ingest:Sources:5:CurvePublicKey is not the public key of Ingest:Sources:5:CurveSecretKey", failure, StringComparison.Ordinal);
        Assert.DoesNotContain("Ingest:Sources:6", failure, StringComparison.Ordinal);
        Assert.DoesNotContain("Ingest:Sources:7", failure, StringComparison.Ordinal);
        Assert.DoesNotContain(client.SecretKeyZ85!, failure, StringComparison.Ordinal); // a secret never lands in a log
    }

    private static string StartUpFailure(Dictionary<string, string?> settings)
    {
        using var data = new TempDirectory();
        var error = Record.Exception(() => new GatewayFactory(data.Path, settings).Dispose());
        var invalid = Assert.IsType<OptionsValidationException>(error is AggregateException { InnerExceptions: [var inner] } ? inner : error);
        return invalid.Message;
    }
}
