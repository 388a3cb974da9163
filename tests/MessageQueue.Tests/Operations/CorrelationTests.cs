using System.Net;
using System.Net.Http.Json;
using MessageQueue.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace MessageQueue.Tests.Operations;

/// <summary>One id follows an update through the logs: its door, every sink of the fan-out, and each mail sent for it.</summary>
public sealed class CorrelationTests
{
    [Fact]
    public async Task ALegacyUpdateHasTheSameIdAtItsDoorInTheFanOutAndWhenItsMailIsSent()
    {
        var logs = new CapturedLogs();
        using var gateway = new GatewayFactory(null, new Dictionary<string, string?>
        {
            ["Email:ConfirmSubscriptions"] = "false",
            ["Email:MinIntervalSeconds"] = "0", // the second update's mail goes now, not a minute after the first's
            ["Logging:LogLevel:MessageQueue"] = "Debug",
        }, host => host.ConfigureServices(services => services.AddLogging(logging => logging.AddProvider(logs))));
        using var http = gateway.CreateClient();
        var name = await ApiAssert.NewSubjectAsync(http);
        await ApiAssert.Json(await http.PostAsJsonAsync($"/api/subjects/{name}/subscriptions", new { email = "cy@example.com" }), HttpStatusCode.Created);
        await ApiAssert.Json(await http.PostAsJsonAsync($"/api/subjects/{name}/updates", new { text = "first" }), HttpStatusCode.Created);

        using (var legacy = new LegacyPeer(gateway.Zmq.ReplyEndpoint))
            Assert.Equal("isSuccess", legacy.Request(new { type = "3", subject = name, updateMessage = "second, by zmq" }));

        // The door's line names the subject and the sequence; its id is what the other lines must carry.
        var door = Assert.Single(logs.Entries, e => e.Category.EndsWith(".DoorTelemetry", StringComparison.Ordinal)
            && e.Field("Subject") == name && e.Field("Sequence") == "2");
        Assert.Equal(LogLevel.Debug, door.Level);
        Assert.Equal("zmq", door.Field("Door"));
        var id = door.Field("UpdateId")!;
        Assert.Matches(@"^\d+-2$", id);
        Assert.Contains(id, door.Message, StringComparison.Ordinal);

        await Poll.UntilAsync(() => logs.Entries.Any(e => e.Category.EndsWith(".EmailSender", StringComparison.Ordinal) && e.Field("UpdateId") == id),
            () => $"No mail was logged as sent with {id}.");
        // A mail reporting several updates carries the last one's id.
        var mail = logs.Entries.Single(e => e.Category.EndsWith(".EmailSender", StringComparison.Ordinal) && e.Field("UpdateId") == id);
        Assert.Equal(name, mail.Field("Subject"));
        Assert.Contains(id, mail.Message, StringComparison.Ordinal);

        // No browser here watches the subject: the SignalR groups' sink is not even woken for it.
        await Poll.UntilAsync(() => FannedOut(logs, id).Count == 2, () => $"Not every sink logged {id}: {string.Join(", ", FannedOut(logs, id))}.");
        Assert.Equal(["event-streams", "zmq-pub"], FannedOut(logs, id).Order(StringComparer.Ordinal));

        // The first update has an id of its own; no line of one carries the other's.
        var first = Assert.Single(logs.Entries, e => e.Category.EndsWith(".DoorTelemetry", StringComparison.Ordinal)
            && e.Field("Subject") == name && e.Field("Sequence") == "1");
        Assert.Equal("rest", first.Field("Door"));
        Assert.NotEqual(id, first.Field("UpdateId"));
    }

    private static List<string?> FannedOut(CapturedLogs logs, string id) =>
        [.. logs.Entries.Where(e => e.Category.EndsWith(".LocalChangeFanout", StringComparison.Ordinal) && e.Field("UpdateId") == id).Select(e => e.Field("Sink"))];
}
