using System.Net.Http.Json;
using MessageQueue.Tests.Infrastructure;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;

namespace MessageQueue.Tests.Realtime;

/// <summary>The hub at /hubs/subjects with the .NET SignalR client, on a real Kestrel listener.</summary>
public abstract class HubContractContract<TGateway>(TGateway gateway) : IClassFixture<TGateway>
    where TGateway : GatewayFactory
{
    private readonly HttpClient _http = gateway.CreateClient();

    [Fact]
    public async Task SubscribeReturnsTheStateAndAnUpdatePostedOnTheHubReachesEverySubscriber()
    {
        var name = await ApiAssert.NewSubjectAsync(_http, "first line");
        await using var alice = await HubPeer.ConnectAsync(gateway.HttpAddress);
        await using var bob = await HubPeer.ConnectAsync(gateway.HttpAddress);

        var subscription = await alice.SubscribeAsync(name);
        await bob.SubscribeAsync(name);
        Assert.Equal((name, "first line", 0L, false), (subscription.Subject, subscription.Content, subscription.LastSequence, subscription.Gap));
        Assert.Empty(subscription.Updates);

        var posted = await alice.PostAsync(name, "second line");
        Assert.Equal((name, 1L, "second line", "hub"), (posted.Subject, posted.Sequence, posted.Text, posted.Door));
        Assert.Equal(posted, await alice.NextUpdateAsync());
        Assert.Equal(posted, await bob.NextUpdateAsync());
    }

    [Fact]
    public async Task UpdatesFromTheLegacyDoorAndRestArriveInSequenceOrderWithoutGapsOrDuplicates()
    {
        var name = await ApiAssert.NewSubjectAsync(_http);
        await using var browser = await HubPeer.ConnectAsync(gateway.HttpAddress);
        await browser.SubscribeAsync(name);

        const int PerDoor = 100;
        var legacy = Task.Run(() =>
        {
            using var peer = new LegacyPeer(gateway.Zmq.ReplyEndpoint);
            for (var i = 0; i < PerDoor; i++)
                Assert.Equal("isSuccess", peer.Request(new { type = "3", subject = name, updateMessage = $"zmq {i}" }));
        });
        var rest = Task.Run(async () =>
        {
            for (var i = 0; i < PerDoor; i++)
                (await _http.PostAsJsonAsync($"/api/subjects/{name}/updates", new { text = $"rest {i}" })).EnsureSuccessStatusCode();
        });
        await Task.WhenAll(legacy, rest);

        var received = new List<long>();
        var doors = new HashSet<string>();
        for (var i = 0; i < 2 * PerDoor; i++)
        {
            var update = await browser.NextUpdateAsync();
            received.Add(update.Sequence);
            doors.Add(update.Door);
        }
        Assert.Equal(Enumerable.Range(1, 2 * PerDoor).Select(i => (long)i), received);
        Assert.Equal(["rest", "zmq"], doors.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task AReconnectingClientGetsExactlyWhatItMissedThenLiveUpdates()
    {
        var name = await ApiAssert.NewSubjectAsync(_http, "start");
        await using (var before = await HubPeer.ConnectAsync(gateway.HttpAddress))
        {
            await before.SubscribeAsync(name);
            for (var i = 1; i <= 3; i++)
                await before.PostAsync(name, $"seen {i}");
        }
        await using var poster = await HubPeer.ConnectAsync(gateway.HttpAddress);
        for (var i = 4; i <= 7; i++)
            await poster.PostAsync(name, $"missed {i}");

        await using var again = await HubPeer.ConnectAsync(gateway.HttpAddress);
        var subscription = await again.SubscribeAsync(name, afterSequence: 3);
        Assert.False(subscription.Gap);
        Assert.Equal(7, subscription.LastSequence);
        Assert.Equal([4L, 5, 6, 7], subscription.Updates.Select(u => u.Sequence));
        Assert.Equal(["missed 4", "missed 5", "missed 6", "missed 7"], subscription.Updates.Select(u => u.Text));
        Assert.Equal("start\nseen 1\nseen 2\nseen 3\nmissed 4\nmissed 5\nmissed 6\nmissed 7", subscription.Content);

        var live = await poster.PostAsync(name, "live 8");
        Assert.Equal(live, await again.NextUpdateAsync());
        Assert.False(again.TryTakeUpdate(out _));
    }

    [Fact]
    public async Task ResumingWhileUpdatesKeepArrivingSeesEachUpdateExactlyOnce()
    {
        var name = await ApiAssert.NewSubjectAsync(_http);
        await using var poster = await HubPeer.ConnectAsync(gateway.HttpAddress);
        for (var i = 1; i <= 20; i++)
            await poster.PostAsync(name, $"before {i}");

        // Posts race the resume: each must arrive once, from the answer or live, and in order.
        var posting = Task.Run(async () =>
        {
            for (var i = 21; i <= 150; i++)
                await poster.PostAsync(name, $"during {i}");
        });
        await using var client = await HubPeer.ConnectAsync(gateway.HttpAddress);
        var subscription = await client.SubscribeAsync(name, afterSequence: 10);
        await posting;

        var seen = subscription.Updates.Select(u => u.Sequence).ToList();
        while (seen[^1] < 150)
        {
            var live = await client.NextUpdateAsync();
            if (live.Sequence > subscription.LastSequence)
                seen.Add(live.Sequence);
        }
        Assert.Equal(Enumerable.Range(11, 140).Select(i => (long)i), seen);
    }

    [Fact]
    public async Task APositionOlderThanTheReplayWindowOrPastTheNewestUpdateIsFlaggedAsAGap()
    {
        using var small = new GatewayFactory(null, new Dictionary<string, string?> { ["Hub:MaxReplayUpdates"] = "5" });
        using var http = small.CreateClient();
        var name = await ApiAssert.NewSubjectAsync(http);
        await using var client = await HubPeer.ConnectAsync(small.HttpAddress);
        for (var i = 1; i <= 12; i++)
            await client.PostAsync(name, $"u{i}");

        var behind = await client.SubscribeAsync(name, afterSequence: 2);
        Assert.True(behind.Gap);
        Assert.Equal([8L, 9, 10, 11, 12], behind.Updates.Select(u => u.Sequence));

        var justInside = await client.SubscribeAsync(name, afterSequence: 7);
        Assert.False(justInside.Gap);
        Assert.Equal([8L, 9, 10, 11, 12], justInside.Updates.Select(u => u.Sequence));

        var ahead = await client.SubscribeAsync(name, afterSequence: 40);
        Assert.True(ahead.Gap);
        Assert.Equal(12, ahead.LastSequence);
    }

    [Fact]
    public async Task AReplayLargerThanItsByteLimitKeepsTheNewestUpdatesThatFitAndFlagsTheGap()
    {
        using var small = new GatewayFactory(null, new Dictionary<string, string?> { ["Hub:MaxReplayBytes"] = "2500" });
        using var http = small.CreateClient();
        var name = await ApiAssert.NewSubjectAsync(http);
        await using var client = await HubPeer.ConnectAsync(small.HttpAddress);
        for (var i = 1; i <= 5; i++)
            await client.PostAsync(name, $"{i}{new string('x', 999)}");

        var replay = await client.SubscribeAsync(name, afterSequence: 0);
        Assert.True(replay.Gap);
        Assert.Equal([4L, 5], replay.Updates.Select(u => u.Sequence));
        Assert.Equal(5, replay.LastSequence);

        var fits = await client.SubscribeAsync(name, afterSequence: 3);
        Assert.False(fits.Gap);
        Assert.Equal([4L, 5], fits.Updates.Select(u => u.Sequence));
    }

    [Theory]
    [InlineData("Subscribe", "nosuchsubject", null, "subject-not-found[subject]: Subject 'nosuchsubject' does not exist.")]
    [InlineData("Subscribe", "bad name!", null, "invalid[subject]:")]
    [InlineData("PostUpdate", "React", "   ", "invalid[text]: An update needs some text.")]
    [InlineData("RegisterEmail", "React", "not-an-address", "invalid[email]: 'not-an-address' is not a valid email address.")]
    [InlineData("UnregisterEmail", "React", "nobody@example.com", "email-not-registered[email]:")]
    public async Task RefusalsArriveAsHubErrorsNamingTheField(string method, string subject, string? argument, string expected)
    {
        await using var client = await HubPeer.ConnectAsync(gateway.HttpAddress);
        var error = await Assert.ThrowsAsync<HubException>(() => argument is null
            ? client.Connection.InvokeAsync<object>(method, subject, null)
            : client.Connection.InvokeAsync<object>(method, subject, argument));
        Assert.Contains("HubException: " + expected, error.Message, StringComparison.Ordinal);

        // The connection survives its mistakes.
        Assert.Contains((await client.Connection.InvokeAsync<SubjectPresenceProbe[]>("ListSubjects")), s => s.Name == "React");
    }

    [Fact]
    public async Task ArgumentsOfTheWrongTypeAndUnknownMethodsAreRefusedAndTheConnectionSurvives()
    {
        await using var client = await HubPeer.ConnectAsync(gateway.HttpAddress);
        var wrongType = await Assert.ThrowsAsync<HubException>(() => client.Connection.InvokeAsync<object>("PostUpdate", new { nested = 1 }, 42));
        Assert.Contains("PostUpdate", wrongType.Message, StringComparison.Ordinal);
        var unknown = await Assert.ThrowsAsync<HubException>(() => client.Connection.InvokeAsync<object>("DropDatabase"));
        Assert.Contains("DropDatabase", unknown.Message, StringComparison.Ordinal);
        var negative = await Assert.ThrowsAsync<HubException>(() => client.SubscribeAsync("React", afterSequence: -1));
        Assert.Contains("invalid[afterSequence]:", negative.Message, StringComparison.Ordinal);

        Assert.Equal("React", (await client.SubscribeAsync("React")).Subject);
    }

    [Fact]
    public async Task AMistakenSubscribeLeavesAnEarlierSubscriptionInPlace()
    {
        var name = await ApiAssert.NewSubjectAsync(_http);
        await using var client = await HubPeer.ConnectAsync(gateway.HttpAddress);
        await client.SubscribeAsync(name);
        await Assert.ThrowsAsync<HubException>(() => client.SubscribeAsync(name, afterSequence: -1));

        var posted = await client.PostAsync(name, "still subscribed");
        Assert.Equal(posted, await client.NextUpdateAsync());
        Assert.Equal(1, (await client.Connection.InvokeAsync<Gateway.Realtime.SubjectPresence[]>("ListSubjects")).Single(s => s.Name == name).Browsers);
    }

    [Fact]
    public async Task AnUpdateOverTheLimitIsRefusedAsTooLargeAndNothingIsStored()
    {
        var name = await ApiAssert.NewSubjectAsync(_http);
        await using var client = await HubPeer.ConnectAsync(gateway.HttpAddress);
        var error = await Assert.ThrowsAsync<HubException>(() => client.PostAsync(name, new string('x', 32 * 1024 + 1)));
        Assert.Contains("too-large[text]:", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, (await client.SubscribeAsync(name)).LastSequence);
    }

    [Fact]
    public async Task AnUnsubscribedConnectionGetsNoMoreUpdatesOfThatSubject()
    {
        var left = await ApiAssert.NewSubjectAsync(_http);
        var kept = await ApiAssert.NewSubjectAsync(_http);
        await using var client = await HubPeer.ConnectAsync(gateway.HttpAddress);
        await client.SubscribeAsync(left);
        await client.SubscribeAsync(kept);
        await client.Connection.InvokeAsync("Unsubscribe", left);

        await client.PostAsync(left, "not for me");
        var mine = await client.PostAsync(kept, "for me");
        Assert.Equal(mine, await client.NextUpdateAsync());
    }

    [Fact]
    public async Task RegisteringAnEmailOnTheHubNeedsConfirmationLikeEveryDoor()
    {
        var name = await ApiAssert.NewSubjectAsync(_http);
        await using var client = await HubPeer.ConnectAsync(gateway.HttpAddress);
        var registration = await client.Connection.InvokeAsync<RegistrationProbe>("RegisterEmail", name, "ada@example.com");
        Assert.Equal((name, "ada@example.com", 1, false), (registration.Subject, registration.Email, registration.EmailCount, registration.Confirmed));
        await client.Connection.InvokeAsync("UnregisterEmail", name, "ada@example.com");
        Assert.Equal(0, (await client.SubscribeAsync(name)).EmailCount);
    }

    [Fact]
    public async Task DeletingASubjectTellsItsSubscribersAndEmptiesItsGroup()
    {
        var name = await ApiAssert.NewSubjectAsync(_http);
        await using var client = await HubPeer.ConnectAsync(gateway.HttpAddress);
        var before = await client.SubscribeAsync(name);
        (await _http.DeleteAsync($"/api/subjects/{name}")).EnsureSuccessStatusCode();
        Assert.Equal(name, await client.NextDeletedAsync());

        // A new subject of the same name starts over; the old subscriber is not in its group.
        await ApiAssert.Json(await _http.PostAsJsonAsync("/api/subjects", new { name }), System.Net.HttpStatusCode.Created);
        await using var fresh = await HubPeer.ConnectAsync(gateway.HttpAddress);
        Assert.NotEqual(before.SubjectId, (await fresh.SubscribeAsync(name)).SubjectId); // how a returning client tells them apart
        var update = await fresh.PostAsync(name, "new life");
        Assert.Equal(update, await fresh.NextUpdateAsync());
        await client.Connection.InvokeAsync<object>("ListSubjects"); // a round trip after the group's send
        Assert.False(client.TryTakeUpdate(out _));
    }

    private sealed record SubjectPresenceProbe(string Name);

    private sealed record RegistrationProbe(string Subject, string Email, int EmailCount, bool Confirmed);
}

public sealed class HubContractTests(GatewayFactory gateway) : HubContractContract<GatewayFactory>(gateway);

/// <summary>The same on PostgreSQL.</summary>
public sealed class HubContractOnPostgreSqlTests(PostgreSqlGateway gateway) : HubContractContract<PostgreSqlGateway>(gateway);
