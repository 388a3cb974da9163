using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using MessageQueue.Tests.Infrastructure;
using Xunit.Abstractions;

namespace MessageQueue.Tests.Fuzzing;

/// <summary>
/// Garbage on the SignalR hub: every invocation with an id gets exactly one completion, a protocol violation ends only
/// the connection that made it, and other browsers and doors go on being served.
/// </summary>
public sealed class HubFuzzTests(ITestOutputHelper output) : IDisposable
{
    private const int Seed = 3301;
    private static readonly string[] Methods =
        ["ListSubjects", "Subscribe", "Unsubscribe", "PostUpdate", "CreateSubject", "RegisterEmail", "UnregisterEmail", "WatchOverview"];

    // The door is fuzzed, not the rate limiter: thousands of calls come from one address.
    private readonly GatewayFactory _gateway = new(null, new Dictionary<string, string?> { ["RateLimiting:Enabled"] = "false" });

    [Fact]
    public async Task GarbageOnTheHubIsRefusedAndEveryoneElseKeepsBeingServed()
    {
        var fuzz = new FuzzInputs(Seed);
        var report = new FuzzReport(output, "hub", Seed);
        using var http = _gateway.CreateClient();
        var watched = await ApiAssert.NewSubjectAsync(http, "watched");
        await using var observer = await HubPeer.ConnectAsync(_gateway.HttpAddress);
        await observer.SubscribeAsync(watched);

        // Mistaken invocations on one connection: one completion each, in order, and the connection stays.
        await using (var client = await HandshakenAsync())
        {
            for (var i = 0; i < 1500; i++)
            {
                var (category, message) = Invocation(fuzz, $"{i}");
                report.Tried(category);
                await client.SendTextAsync(message + RawHubClient.Separator);
                var completion = await client.ReceiveAsync();
                while (completion is { } pushed && pushed.GetProperty("type").GetInt32() == 1)
                    completion = await client.ReceiveAsync(); // an Overview, after a WatchOverview that was valid by chance
                var problem = completion is not { } c ? "the connection closed"
                    : !IsCompletion(c, $"{i}") ? $"expected completion {i}, got {c}"
                    : category.StartsWith("unknown", StringComparison.Ordinal) && !c.TryGetProperty("error", out _) ? $"no error in {c}"
                    : null;
                Assert.True(problem is null, report.Failure(category, problem ?? "", message));
            }
        }

        // Protocol violations, each on a connection of its own: it is closed, or the garbage is ignored and a probe
        // invocation after it is answered. Never a hang, and nothing else is affected.
        for (var i = 0; i < 60; i++)
        {
            foreach (var (category, send, probe) in Violations(fuzz))
            {
                report.Tried(category);
                await using var client = await HandshakenAsync();
                await send(client);
                if (!probe)
                    continue;
                var outcome = await Record.ExceptionAsync(() => AnsweredOrClosedAsync(client));
                Assert.True(outcome is null, report.Failure(category, $"neither answered nor closed: {outcome?.GetType().Name}", category));
            }
        }

        // Handshakes that are not one: refused with an error, then closed.
        for (var i = 0; i < 100; i++)
        {
            var handshake = fuzz.Chance(0.5)
                ? $$"""{"protocol":"{{fuzz.Text(fuzz.Next(0, 12))}}","version":{{fuzz.Next(-2, 5)}}}"""
                : Encoding.UTF8.GetString(fuzz.JsonishBytes(64));
            report.Tried("bad handshake");
            await using var client = await RawHubClient.ConnectAsync(_gateway.HttpAddress);
            await client.SendTextAsync(handshake + RawHubClient.Separator);
            var answer = await client.ReceiveAsync();
            var refused = answer is null || answer.Value.TryGetProperty("error", out _) || answer.Value.EnumerateObject().Any() is false;
            Assert.True(refused, report.Failure("bad handshake", $"answered {answer}", handshake));
        }
        report.Write();

        // The observer got nothing from all that, and still gets what a door accepts.
        Assert.False(observer.TryTakeUpdate(out var stray), $"The observer got an update nobody posted: {stray}");
        await ApiAssert.Json(await http.PostAsJsonAsync($"/api/subjects/{watched}/updates", new { text = "after the garbage" }), HttpStatusCode.Created);
        Assert.Equal("after the garbage", (await observer.NextUpdateAsync()).Text);
        await EveryDoor.AssertServingAsync(_gateway.HttpAddress, _gateway.Zmq.ReplyEndpoint, _gateway.Zmq.PublishEndpoint);
    }

    public void Dispose() => _gateway.Dispose();

    private async Task<RawHubClient> HandshakenAsync()
    {
        var client = await RawHubClient.ConnectAsync(_gateway.HttpAddress);
        await client.SendTextAsync("""{"protocol":"json","version":1}""" + RawHubClient.Separator);
        var answer = await client.ReceiveAsync();
        Assert.True(answer is { } a && !a.EnumerateObject().Any(), $"Handshake answered {answer}");
        return client;
    }

    /// <summary>An invocation that is wrong in one way: unknown method, wrong count or types of arguments, or unknown names.</summary>
    private static (string Category, string Message) Invocation(FuzzInputs fuzz, string id)
    {
        var (category, target, arguments) = fuzz.Next(4) switch
        {
            0 => ("unknown method", fuzz.Chance(0.5) ? fuzz.Text(fuzz.Next(0, 20)) : fuzz.Pick(Methods).ToLowerInvariant() + "x", RandomArguments(fuzz)),
            1 => ("wrong arguments", fuzz.Pick(Methods), RandomArguments(fuzz)),
            2 => ("oversized text", "PostUpdate", $"[{Json(fuzz.Text(8))},{Json(new string('x', fuzz.Next(33_000, 120_000)))}]"),
            _ => ("unknown names", fuzz.Pick(["Subscribe", "Unsubscribe", "PostUpdate", "RegisterEmail", "UnregisterEmail"]), $"[{Json("z" + fuzz.Text(10))},{RandomValue(fuzz)}]"),
        };
        return (category, $$"""{"type":1,"invocationId":"{{id}}","target":{{Json(target)}},"arguments":{{arguments}}}""");
    }

    private static string RandomArguments(FuzzInputs fuzz) =>
        "[" + string.Join(',', Enumerable.Range(0, fuzz.Next(0, 5)).Select(_ => RandomValue(fuzz))) + "]";

    private static string RandomValue(FuzzInputs fuzz) => fuzz.Next(9) switch
    {
        0 => "null",
        1 => fuzz.Next(-1000, 1000).ToString(System.Globalization.CultureInfo.InvariantCulture),
        2 => "1e400",
        3 => "true",
        4 => "[]",
        5 => """{"a":[1,{"b":null}]}""",
        6 => Json(fuzz.Text(fuzz.Next(0, 40))),
        7 => fuzz.Pick(FuzzInputs.OddValues) is var odd && IsJson(odd) ? odd : "0",
        _ => Json(fuzz.Text(1) + "@" + fuzz.Text(3)),
    };

    /// <summary>What to send; whether a probe after it must be answered (or the connection closed) in time.</summary>
    private static IEnumerable<(string Category, Func<RawHubClient, Task> Send, bool Probe)> Violations(FuzzInputs fuzz)
    {
        var garbage = fuzz.Bytes(1, 200);
        var jsonish = Encoding.UTF8.GetString(fuzz.JsonishBytes(120));
        // SignalR ignores message types it does not know (forward compatibility), and a message that came in the same
        // read waits for the client's next one: such a client only delays itself, so no probe there.
        var type = fuzz.Pick(new[] { 0, 4, 5, 8, 9, 99, -1 });
        yield return ("not json", c => c.SendAsync([.. garbage, (byte)RawHubClient.Separator], WebSocketMessageType.Text), true);
        yield return ("jsonish", c => c.SendTextAsync(jsonish + RawHubClient.Separator), true);
        yield return ("unknown message type", c => c.SendTextAsync($$"""{"type":{{type}},"invocationId":"x"}""" + RawHubClient.Separator), false);
        yield return ("binary frame", c => c.SendAsync(garbage, WebSocketMessageType.Binary), true);
        yield return ("no separator", c => c.SendTextAsync("""{"type":1,"invocationId":"y","target":"ListSubjects","arguments":[]}"""), true);
        yield return ("over Hub:MaxMessageBytes", c => c.SendTextAsync($$"""{"type":1,"target":"PostUpdate","arguments":["a","{{new string('x', 300_000)}}"]}""" + RawHubClient.Separator), true);
    }

    /// <summary>Sends a probe invocation and reads until an invocation is answered or the server closes the connection.</summary>
    private static async Task AnsweredOrClosedAsync(RawHubClient client)
    {
        if (client.Open)
        {
            try
            {
                await client.SendTextAsync("""{"type":1,"invocationId":"probe","target":"ListSubjects","arguments":[]}""" + RawHubClient.Separator);
            }
            catch (WebSocketException)
            {
                return; // closed under us
            }
        }
        while (await client.ReceiveAsync() is { } message)
        {
            if (message.TryGetProperty("type", out var type) && type.GetInt32() is 3 or 7)
                return;
        }
    }

    private static bool IsCompletion(JsonElement message, string id) =>
        message.TryGetProperty("type", out var type) && type.GetInt32() == 3
        && message.TryGetProperty("invocationId", out var invocation) && invocation.GetString() == id;

    private static string Json(string text) => JsonSerializer.Serialize(text);

    private static bool IsJson(string text)
    {
        try
        {
            using var _ = JsonDocument.Parse(text);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
