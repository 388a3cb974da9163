using System.Net;
using System.Text.Json;
using MessageQueue.Tests.Infrastructure;
using MessageQueue.Tests.Operations;
using NetMQ;
using static MessageQueue.Tests.Ingest.IngestAssert;

namespace MessageQueue.Tests.Ingest;

/// <summary>
/// A sub source as a CurveZMQ client of a pyzmq PUB (a CurveZMQ server), end to end through its outgoing guard: read
/// with the publisher's public key, and nothing with another key.
/// </summary>
[Collection(OneGatewayAtATime.Name)] // reads counters on /metrics, which another gateway's disposal in this process resets
public sealed class SubSourceCurveTests
{
    [Fact]
    public async Task ACurvePublisherIsReadWithItsPublicKeyAndANewClientKeyPair()
    {
        await using var publisher = await PythonFeeder.CurvePublisherAsync();
        var source = NewSourceName();
        using var gateway = new GatewayFactory(null, Source(0, ("Name", source), ("Kind", "sub"), ("Endpoint", publisher.Endpoint),
            ("CurveServerKey", publisher.CurvePublicKey!)));
        using var http = gateway.CreateClient();
        var subject = await ApiAssert.NewSubjectAsync(http);
        await JoinAsync(publisher, http, subject, topic: subject);

        await publisher.SendAsync(subject, "sent encrypted");

        await Poll.UntilAsync(async () => (await HistoryAsync(http, subject)).Texts().Contains("sent encrypted"), () => "The CurveZMQ publisher's message was not stored.");
        Assert.Equal(1, Status(gateway, source).Peers);
    }

    [Fact]
    public async Task APublisherThatAdmitsOneClientKeyReadsTheConfiguredKeyPair()
    {
        var client = new NetMQCertificate();
        await using var publisher = await PythonFeeder.CurvePublisherAsync(onlyClient: client.PublicKeyZ85);
        var source = NewSourceName();
        using var gateway = new GatewayFactory(null, Source(0, ("Name", source), ("Kind", "sub"), ("Endpoint", publisher.Endpoint),
            ("CurveServerKey", publisher.CurvePublicKey!), ("CurveSecretKey", client.SecretKeyZ85!), ("CurvePublicKey", client.PublicKeyZ85)));
        using var http = gateway.CreateClient();
        var subject = await ApiAssert.NewSubjectAsync(http);

        await JoinAsync(publisher, http, subject, topic: subject); // fails unless ZAP saw this client's public key
    }

    [Fact]
    public async Task WithAnotherServerKeyNothingGetsThroughAndTheSourceReachesNoPublisher()
    {
        await using var publisher = await PythonFeeder.CurvePublisherAsync();
        var source = NewSourceName();
        using var gateway = new GatewayFactory(null, Source(0, ("Name", source), ("Kind", "sub"), ("Endpoint", publisher.Endpoint),
            ("CurveServerKey", new NetMQCertificate().PublicKeyZ85)));
        using var http = gateway.CreateClient();
        var subject = await ApiAssert.NewSubjectAsync(http);

        // Published all along, while NetMQ connects again and again: the publisher refuses each HELLO it cannot open.
        await Poll.UntilAsync(async () =>
        {
            await publisher.SendAsync(subject, "must not arrive");
            return await ConnectionsEndedAsync(http, source, "handshake_failed") >= 3;
        }, () => "The publisher's refusals were not counted as failed handshakes.");

        Assert.Empty(await HistoryAsync(http, subject));
        Assert.Equal(0, Status(gateway, source).Peers); // NetMQ's connection to the guard is up: it is not a publisher reached
        Assert.Equal(0, await ConnectionsEndedAsync(http, source, "closed"));
        using var response = await http.GetAsync("/health/ready");
        var ingest = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("checks").GetProperty("ingest");
        Assert.Equal((HttpStatusCode.OK, "Degraded"), (response.StatusCode, ingest.GetProperty("status").GetString()));
        Assert.Contains(source, ingest.GetProperty("description").GetString(), StringComparison.Ordinal);
    }
}
