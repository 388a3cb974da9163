using System.Net;
using System.Net.Http.Json;
using MessageQueue.Gateway.Api;
using MessageQueue.Gateway.Subjects;
using MessageQueue.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace MessageQueue.Tests.Api;

/// <summary>/api/subjects/{subject}/events: live updates, resuming with Last-Event-ID, no gap and no duplicate.</summary>
public abstract class EventStreamContract<TGateway>(TGateway gateway) : IClassFixture<TGateway>
    where TGateway : GatewayFactory
{
    private readonly HttpClient _http = CreateStreamingClient(gateway);

    [Fact]
    public async Task AStreamWithoutPositionStartsWithTheNextUpdate()
    {
        var name = await ApiAssert.NewSubjectAsync(_http);
        await PostAsync(name, "before");
        await using var stream = await EventStreamClient.OpenAsync(_http, $"/api/subjects/{name}/events");

        await PostAsync(name, "after");

        var update = await stream.NextAsync();
        Assert.Equal("update", update.Event);
        Assert.Equal("2", update.Id);
        Assert.Equal("after", update.Json.GetProperty("text").GetString());
        Assert.Equal(name, update.Json.GetProperty("subject").GetString());
        Assert.Equal("rest", update.Json.GetProperty("door").GetString());
        Assert.NotNull(stream.Retry);
        Assert.Contains($"updates of {name} after sequence 1", stream.Comments);
    }

    [Fact]
    public async Task AClientReconnectingWithLastEventIdGetsExactlyWhatItMissed()
    {
        var name = await ApiAssert.NewSubjectAsync(_http);
        long lastSeen;
        await using (var first = await EventStreamClient.OpenAsync(_http, $"/api/subjects/{name}/events"))
        {
            await PostAsync(name, "u1");
            await PostAsync(name, "u2");
            Assert.Equal("u1", (await first.NextAsync()).Json.GetProperty("text").GetString());
            lastSeen = (await first.NextAsync()).Sequence;
        }
        await PostAsync(name, "u3");
        await PostAsync(name, "u4");

        await using var second = await EventStreamClient.OpenAsync(_http, $"/api/subjects/{name}/events", lastEventId: lastSeen.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await PostAsync(name, "u5");

        var texts = new List<string>();
        for (var i = 0; i < 3; i++)
            texts.Add((await second.NextAsync()).Json.GetProperty("text").GetString()!);
        Assert.Equal(["u3", "u4", "u5"], texts);
        await AssertNothingMoreAsync(second, name);
    }

    [Fact]
    public async Task ALiveEventIsTheUpdateAsStoredAndAsThePostAnsweredIt()
    {
        var name = await ApiAssert.NewSubjectAsync(_http);
        await using var stream = await EventStreamClient.OpenAsync(_http, $"/api/subjects/{name}/events");

        var posted = await _http.PostAsJsonAsync($"/api/subjects/{name}/updates", new { text = "same everywhere" });

        var live = await stream.NextAsync();
        Assert.Equal(live.Data, await posted.Content.ReadAsStringAsync());
        Assert.Equal(live.Data, await _http.GetStringAsync(posted.Headers.Location));
    }

    [Fact]
    public async Task AfterInTheQueryReplaysLikeLastEventId()
    {
        var name = await ApiAssert.NewSubjectAsync(_http);
        await PostAsync(name, "u1");
        await PostAsync(name, "u2");

        await using var stream = await EventStreamClient.OpenAsync(_http, $"/api/subjects/{name}/events?after=0");

        Assert.Equal(1, (await stream.NextAsync()).Sequence);
        Assert.Equal(2, (await stream.NextAsync()).Sequence);
    }

    [Fact]
    public async Task UpdatesPostedWhileAClientResumesArriveOnceEachInOrder()
    {
        var name = await ApiAssert.NewSubjectAsync(_http);
        for (var i = 1; i <= 50; i++)
            await PostAsync(name, $"u{i}");

        // Resume from the middle while 150 more are posted concurrently: the history read and the live feed overlap.
        var posting = Task.Run(async () =>
        {
            using var poster = gateway.CreateClient();
            for (var i = 51; i <= 200; i++)
                await ApiAssert.Json(await poster.PostAsJsonAsync($"/api/subjects/{name}/updates", new { text = $"u{i}" }), HttpStatusCode.Created);
        });
        await using var stream = await EventStreamClient.OpenAsync(_http, $"/api/subjects/{name}/events", lastEventId: "25");

        var sequences = new List<long>();
        while (sequences.Count < 175)
            sequences.Add((await stream.NextAsync()).Sequence);
        await posting;

        Assert.Equal(Enumerable.Range(26, 175).Select(i => (long)i), sequences);
        await AssertNothingMoreAsync(stream, name);
    }

    [Fact]
    public async Task AStreamOfADeletedSubjectSaysSoAndEnds()
    {
        var name = await ApiAssert.NewSubjectAsync(_http);
        await using var stream = await EventStreamClient.OpenAsync(_http, $"/api/subjects/{name}/events");

        Assert.Equal(HttpStatusCode.NoContent, (await _http.DeleteAsync($"/api/subjects/{name}")).StatusCode);

        var last = await stream.NextAsync();
        Assert.Equal("deleted", last.Event);
        Assert.Equal(name, last.Json.GetProperty("subject").GetString());
        Assert.True(await stream.EndsAsync());
    }

    [Fact]
    public async Task AStreamOnASubjectCreatedAgainIgnoresTheEarlierSubjectsLateUpdates()
    {
        var name = await ApiAssert.NewSubjectAsync(_http);
        for (var i = 1; i <= 3; i++)
            await PostAsync(name, $"old {i}");
        Assert.True(gateway.Services.GetRequiredService<SubjectCatalog>().TryGet(name, out var earlier));
        Assert.Equal(HttpStatusCode.NoContent, (await _http.DeleteAsync($"/api/subjects/{name}")).StatusCode);
        await ApiAssert.Json(await _http.PostAsJsonAsync("/api/subjects", new { name }), HttpStatusCode.Created);
        await using var stream = await EventStreamClient.OpenAsync(_http, $"/api/subjects/{name}/events");

        // An update of the deleted subject that the fan-out delivers only now, as it may under load.
        var late = new SubjectUpdate(name, 3, "old 3", "", DateTimeOffset.UtcNow, Origins.Rest, earlier.Id);
        await gateway.Services.GetRequiredService<LiveUpdateFeed>().DeliverAsync(late, CancellationToken.None);
        for (var i = 1; i <= 4; i++)
            await PostAsync(name, $"new {i}");

        var texts = new List<string>();
        for (var i = 0; i < 4; i++)
            texts.Add((await stream.NextAsync()).Json.GetProperty("text").GetString()!);
        Assert.Equal(["new 1", "new 2", "new 3", "new 4"], texts);
    }

    [Fact]
    public async Task AnEmptyLastEventIdCountsAsNone()
    {
        var name = await ApiAssert.NewSubjectAsync(_http);
        await PostAsync(name, "before");

        await using var stream = await EventStreamClient.OpenAsync(_http, $"/api/subjects/{name}/events", lastEventId: "");
        await PostAsync(name, "after");

        Assert.Equal("after", (await stream.NextAsync()).Json.GetProperty("text").GetString());
    }

    [Fact]
    public async Task AStreamOnAnUnknownSubjectIsNotFound()
    {
        await ApiAssert.Problem(await _http.GetAsync("/api/subjects/Vue/events"), HttpStatusCode.NotFound, "subject");
    }

    [Fact]
    public async Task ABadLastEventIdIsRefusedWithTheHeaderNamed()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/subjects/React/events");
        request.Headers.Add("Last-Event-ID", "yesterday");

        await ApiAssert.Problem(await _http.SendAsync(request), HttpStatusCode.BadRequest, "Last-Event-ID");
    }

    private static HttpClient CreateStreamingClient(GatewayFactory gateway)
    {
        var client = gateway.CreateClient();
        client.Timeout = Timeout.InfiniteTimeSpan; // streams outlive HttpClient's default 100 s; reads have their own timeouts
        return client;
    }

    /// <summary>Posts a marker and checks it is the very next event: nothing was sent twice or out of turn.</summary>
    private async Task AssertNothingMoreAsync(EventStreamClient stream, string subject)
    {
        var marker = await PostAsync(subject, "marker");
        var next = await stream.NextAsync();
        Assert.Equal(marker, next.Sequence);
    }

    private async Task<long> PostAsync(string subject, string text)
    {
        var update = await ApiAssert.Json(await _http.PostAsJsonAsync($"/api/subjects/{subject}/updates", new { text }), HttpStatusCode.Created);
        return update.GetProperty("sequence").GetInt64();
    }
}

public sealed class EventStreamTests(GatewayFactory gateway) : EventStreamContract<GatewayFactory>(gateway);

/// <summary>The same on PostgreSQL.</summary>
public sealed class EventStreamOnPostgreSqlTests(PostgreSqlGateway gateway) : EventStreamContract<PostgreSqlGateway>(gateway);
