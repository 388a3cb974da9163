using System.Net;
using System.Net.Http.Json;
using MessageQueue.Gateway.Api;
using MessageQueue.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace MessageQueue.Tests.ScaleOut;

/// <summary>
/// Two gateways on one PostgreSQL database, with no relay between them: the store alone keeps them right. Each
/// numbers, mails and refuses by what the store holds, not by what it has heard.
/// </summary>
public sealed class SharedStoreTests : IDisposable
{
    private readonly TempDirectory _database = new();
    private readonly List<GatewayFactory> _gateways = [];

    [Fact]
    public async Task UpdatesPostedThroughTwoGatewaysAreNumberedGapFreeAndEachGatewaysDoorsSeeThemInOrder()
    {
        var a = Start();
        using var httpA = a.CreateClient();
        var name = await ApiAssert.NewSubjectAsync(httpA, "first line");
        var b = Start(); // loads the subject from the store at start (no relay tells it yet)
        using var httpB = b.CreateClient();
        await using var streamA = await EventStreamClient.OpenAsync(httpA, $"/api/subjects/{name}/events");
        await using var streamB = await EventStreamClient.OpenAsync(httpB, $"/api/subjects/{name}/events");

        // Concurrent writers on one subject through both gateways, then one last update through A: A has then
        // committed, or caught up with, every update B made.
        await Task.WhenAll(Enumerable.Range(0, 40).Select(async i =>
        {
            var posted = await (i % 2 == 0 ? httpA : httpB).PostAsJsonAsync($"/api/subjects/{name}/updates", new { text = $"u{i}" });
            Assert.Equal(HttpStatusCode.Created, posted.StatusCode);
        }));
        Assert.Equal(HttpStatusCode.Created, (await httpA.PostAsJsonAsync($"/api/subjects/{name}/updates", new { text = "last" })).StatusCode);

        var history = await httpB.GetFromJsonAsync<HistoryPageResource>($"/api/subjects/{name}/updates?limit=100", HubPeerJson.Options);
        Assert.Equal(Enumerable.Range(1, 41).Select(i => (long)i), history!.Updates.Select(u => u.Sequence));
        Assert.Equal(Enumerable.Range(0, 40).Select(i => $"u{i}").Append("last").Order(StringComparer.Ordinal), history.Updates.Select(u => u.Text).Order(StringComparer.Ordinal));
        Assert.Equal("last", history.Updates[^1].Text);

        // A's stream: every update once, in order, with A's content after each; B's: gap-free as far as it heard.
        var seenByA = new List<ServerSentEvent>();
        for (var i = 0; i < 41; i++)
            seenByA.Add(await streamA.NextAsync());
        Assert.Equal(Enumerable.Range(1, 41).Select(i => (long)i), seenByA.Select(e => e.Sequence));
        Assert.Equal(history.Updates.Select(u => u.Text), seenByA.Select(e => e.Json.GetProperty("text").GetString()));
        var subjectOnA = await ApiAssert.Json(await httpA.GetAsync($"/api/subjects/{name}"), HttpStatusCode.OK);
        Assert.Equal(string.Join('\n', ["first line", .. history.Updates.Select(u => u.Text)]), subjectOnA.GetProperty("content").GetString());

        var subjectOnB = await ApiAssert.Json(await httpB.GetAsync($"/api/subjects/{name}"), HttpStatusCode.OK);
        var heardByB = subjectOnB.GetProperty("lastSequence").GetInt64();
        for (var expected = 1L; expected <= heardByB; expected++)
            Assert.Equal(expected, (await streamB.NextAsync()).Sequence);
    }

    [Fact]
    public async Task ClientsResumingOnAGatewayThatHasNotHeardOfTheirPositionYetGetWhatFollowsItOnceWithoutAGap()
    {
        // As when the gateway a client read on dies between its commit and its relay message: the other has not heard
        // of the newest updates when the client comes back there (no relay, and the reconciliation a minute away).
        var slow = new Dictionary<string, string?> { ["Bus:ReconcileIntervalMilliseconds"] = "60000" };
        var a = Start(slow);
        using var httpA = a.CreateClient();
        var name = await ApiAssert.NewSubjectAsync(httpA, "first line");
        var b = Start(slow); // knows the subject, without updates
        using var httpB = b.CreateClient();
        for (var i = 1; i <= 5; i++)
            Assert.Equal(HttpStatusCode.Created, (await httpA.PostAsJsonAsync($"/api/subjects/{name}/updates", new { text = $"u{i}" })).StatusCode);
        await using (var onA = await EventStreamClient.OpenAsync(httpA, $"/api/subjects/{name}/events", lastEventId: "0"))
        {
            for (var i = 1; i <= 5; i++)
                Assert.Equal(i, (await onA.NextAsync()).Sequence);
        }

        await using var resumed = await EventStreamClient.OpenAsync(httpB, $"/api/subjects/{name}/events", lastEventId: "5");
        await using var hub = await HubPeer.ConnectAsync(b.HttpAddress);
        var subscription = await hub.SubscribeAsync(name, afterSequence: 5);

        // Taken as the position of an earlier subject of that name, it would replay 1..5 again and say "gap".
        Assert.Contains($"updates of {name} after sequence 5", resumed.Comments);
        Assert.False(subscription.Gap);
        Assert.Empty(subscription.Updates);
        Assert.Equal(5, subscription.LastSequence);
        Assert.EndsWith("\nu4\nu5", subscription.Content, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Created, (await httpB.PostAsJsonAsync($"/api/subjects/{name}/updates", new { text = "u6" })).StatusCode);
        var next = await resumed.NextAsync();
        Assert.Equal((6L, "u6"), (next.Sequence, next.Json.GetProperty("text").GetString()));
        // Live updates at or below the answer's LastSequence (heard while subscribing) are dropped, as the page does.
        var live = await hub.NextUpdateAsync();
        while (live.Sequence <= subscription.LastSequence)
            live = await hub.NextUpdateAsync();
        Assert.Equal((6L, "u6"), (live.Sequence, live.Text));
    }

    [Fact]
    public async Task GatewaysStartedAtOnceOnANewDatabaseAllStart()
    {
        // Each chooses the migrations to apply; with two pending, two could apply the second (42P07), unless one
        // migrates at a time.
        var started = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => Start())));
        foreach (var gateway in started)
        {
            using var http = gateway.CreateClient();
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health/ready")).StatusCode);
        }
    }

    [Fact]
    public async Task ResumesFromPositionsTheStoreDoesNotHoldCostTheStoreWriterNothing()
    {
        // A position past what the store holds (an earlier subject's, or made up) may come with every reconnection of
        // every client: each must not have the single store writer read every subject again.
        var logs = new Operations.CapturedLogs();
        var a = Start(new Dictionary<string, string?>
        {
            ["Bus:ReconcileIntervalMilliseconds"] = "60000",
            ["Logging:LogLevel:Microsoft.EntityFrameworkCore.Database.Transaction"] = "Debug",
        }, logs);
        using var http = a.CreateClient();
        var name = await ApiAssert.NewSubjectAsync(http);
        Assert.Equal(HttpStatusCode.Created, (await http.PostAsJsonAsync($"/api/subjects/{name}/updates", new { text = "u1" })).StatusCode);
        var before = WriterTransactions(logs);

        for (var i = 0; i < 5; i++)
        {
            await using var resumed = await EventStreamClient.OpenAsync(http, $"/api/subjects/{name}/events", lastEventId: "1000000");
            Assert.Equal(1, (await resumed.NextAsync()).Sequence); // started over, as before
        }

        Assert.Equal(before, WriterTransactions(logs));
        Assert.Equal(HttpStatusCode.Created, (await http.PostAsJsonAsync($"/api/subjects/{name}/updates", new { text = "u2" })).StatusCode);
        Assert.Equal(before + 1, WriterTransactions(logs)); // the count is one that can move
    }

    private static int WriterTransactions(Operations.CapturedLogs logs) =>
        logs.Entries.Count(e => e.EventId.Id == Microsoft.EntityFrameworkCore.Diagnostics.RelationalEventId.TransactionStarted.Id && e.Thread == "store-writer");

    [Fact]
    public async Task AChangeToASubjectAnotherGatewayDeletedIsRefusedAsNotFoundAndThatGatewayForgetsIt()
    {
        var a = Start();
        using var httpA = a.CreateClient();
        var name = await ApiAssert.NewSubjectAsync(httpA);
        var b = Start(); // loads the subject from the store at start
        using var httpB = b.CreateClient();
        await ApiAssert.Json(await httpB.GetAsync($"/api/subjects/{name}"), HttpStatusCode.OK);

        Assert.Equal(HttpStatusCode.NoContent, (await httpA.DeleteAsync($"/api/subjects/{name}")).StatusCode);

        await ApiAssert.Problem(await httpB.PostAsJsonAsync($"/api/subjects/{name}/updates", new { text = "too late" }), HttpStatusCode.NotFound);
        await ApiAssert.Problem(await httpB.GetAsync($"/api/subjects/{name}"), HttpStatusCode.NotFound);
        await ApiAssert.Problem(await httpB.PostAsJsonAsync($"/api/subjects/{name}/subscriptions", new { email = "late@example.com" }), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task ANameAnotherGatewayTookIsRefusedAsAConflictWhileTheRestOfTheBatchIsStored()
    {
        var (a, b) = (Start(), Start());
        using var httpA = a.CreateClient();
        using var httpB = b.CreateClient();
        var name = await ApiAssert.NewSubjectAsync(httpA);
        var other = await ApiAssert.NewSubjectAsync(httpB);

        // B has not heard of A's subject: the store refuses the name, and B's other changes meanwhile are stored.
        var twin = httpB.PostAsJsonAsync("/api/subjects", new { name, content = "" });
        var updates = Enumerable.Range(0, 20).Select(i => httpB.PostAsJsonAsync($"/api/subjects/{other}/updates", new { text = $"u{i}" })).ToList();
        await ApiAssert.Problem(await twin, HttpStatusCode.Conflict, "name");
        foreach (var update in updates)
            Assert.Equal(HttpStatusCode.Created, (await update).StatusCode);
    }

    [Fact]
    public async Task AnUpdateThroughOneGatewayMailsWhoRegisteredThroughTheOtherOnce()
    {
        var confirmed = new Dictionary<string, string?> { ["Email:ConfirmSubscriptions"] = "false" };
        var a = Start(confirmed);
        using var httpA = a.CreateClient();
        var name = await ApiAssert.NewSubjectAsync(httpA);
        var b = Start(confirmed);
        using var httpB = b.CreateClient();
        await ApiAssert.Json(await httpA.PostAsJsonAsync($"/api/subjects/{name}/subscriptions", new { email = "reader@example.com" }), HttpStatusCode.Created);

        // B's catalog does not know of the registration; the subject's row does.
        Assert.Equal(HttpStatusCode.Created, (await httpB.PostAsJsonAsync($"/api/subjects/{name}/updates", new { text = "news" })).StatusCode);

        var mailFolders = _gateways.Select(g => Path.Combine(g.DataDirectory, "mail")).ToList();
        string[] Mails() => [.. mailFolders.Where(Directory.Exists).SelectMany(f => Directory.GetFiles(f, "*.eml"))];
        await Poll.UntilAsync(() => Mails().Length >= 1, () => "no mail for the update");
        Assert.Contains("news", File.ReadAllText(Assert.Single(Mails())), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConcurrentUpdatesToTwoSubjectsThroughTwoGatewaysAreAllStored()
    {
        // Were each gateway's batches to take the subjects' rows in arrival order, A's could hold X and wait for Y
        // while B's holds Y and waits for X, until PostgreSQL aborted one (a retry, a second lost). They take them in
        // id order: no deadlock, no change refused.
        var unlimited = new Dictionary<string, string?> { ["RateLimiting:Enabled"] = "false" }; // one test client is one bucket
        var logs = new Operations.CapturedLogs();
        var a = Start(unlimited, logs);
        using var httpA = a.CreateClient();
        var x = await ApiAssert.NewSubjectAsync(httpA);
        var y = await ApiAssert.NewSubjectAsync(httpA);
        var b = Start(unlimited, logs); // loads both subjects from the store at start
        using var httpB = b.CreateClient();

        // Sixteen clients per gateway, each posting in turn to X and Y: every batch holds updates to both.
        var refused = new System.Collections.Concurrent.ConcurrentBag<string>();
        await Task.WhenAll(Enumerable.Range(0, 32).Select(async client =>
        {
            var (http, first, second) = client % 2 == 0 ? (httpA, x, y) : (httpB, y, x);
            for (var i = 0; i < 30; i++)
            {
                var posted = await http.PostAsJsonAsync($"/api/subjects/{(i % 2 == 0 ? first : second)}/updates", new { text = $"c{client}-{i}" });
                if (posted.StatusCode != HttpStatusCode.Created)
                    refused.Add($"{posted.StatusCode}: {await posted.Content.ReadAsStringAsync()}");
            }
        }));

        Assert.Empty(refused);
        Assert.DoesNotContain(logs.Entries, e => e.EventId.Id == 1014);
    }

    [Fact]
    public async Task AnUpdateWithANulCharacterIsRefusedAsInvalidAndTheStoreGoesOn()
    {
        // PostgreSQL's text cannot hold U+0000: stored, it would fail the whole batch and the store's readiness.
        var a = Start();
        using var http = a.CreateClient();
        var name = await ApiAssert.NewSubjectAsync(http);

        await ApiAssert.Problem(await http.PostAsJsonAsync($"/api/subjects/{name}/updates", new { text = "a\u0000b" }), HttpStatusCode.BadRequest, "text");
        await ApiAssert.Problem(await http.PostAsJsonAsync("/api/subjects", new { name = $"n{Guid.NewGuid():N}", content = "a\u0000b" }), HttpStatusCode.BadRequest, "content");
        Assert.Equal(HttpStatusCode.Created, (await http.PostAsJsonAsync($"/api/subjects/{name}/updates", new { text = "fine" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health/ready")).StatusCode);
    }

    public void Dispose()
    {
        foreach (var gateway in _gateways)
            gateway.Dispose();
        _database.Dispose();
    }

    /// <summary>A gateway of its own (its own mail folder) on the database these tests share.</summary>
    private GatewayFactory Start(IDictionary<string, string?>? settings = null, Operations.CapturedLogs? logs = null)
    {
        var all = PostgreSqlServer.Shared.GatewaySettings(_database.Path);
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
            all[key] = value;
        var gateway = new GatewayFactory(null, all,
            logs is null ? null : host => host.ConfigureServices(services => services.AddLogging(logging => logging.AddProvider(logs))));
        lock (_gateways)
            _gateways.Add(gateway); // started in parallel by one test
        return gateway;
    }
}
