using MessageQueue.Gateway.Api;
using MessageQueue.Gateway.Realtime;
using MessageQueue.Gateway.Storage;
using MessageQueue.Gateway.Subjects;
using MessageQueue.Tests.Infrastructure;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace MessageQueue.Tests.Subjects;

/// <summary>
/// Resuming at its edges, the same through both doors that resume (the event stream and the hub): changes committed
/// after the resume has read where the subject stands and before it reads the history. The gateway's own store runs
/// each test's change at that moment, so the interleaving is the same every run.
/// </summary>
public sealed class ResumeTests(ResumeTests.InterleavingGateway gateway) : IClassFixture<ResumeTests.InterleavingGateway>
{
    private readonly HttpClient _http = CreateStreamingClient(gateway);
    private readonly SubjectService _subjects = gateway.Services.GetRequiredService<SubjectService>();

    [Fact]
    public async Task AnEventStreamGetsAnUpdateCommittedJustBeforeItsHistoryReadExactlyOnce()
    {
        var name = await NewSubjectWithUpdatesAsync(3);
        var listening = -1;
        gateway.Store.BeforeNextHistoryRead(() =>
        {
            listening = gateway.Services.GetRequiredService<LiveUpdateFeed>().CountListeners(name);
            return PostAsync(name, "meanwhile");
        });

        await using var stream = await EventStreamClient.OpenAsync(_http, $"/api/subjects/{name}/events", lastEventId: "1");
        var texts = new List<string>();
        for (var i = 0; i < 3; i++)
            texts.Add((await stream.NextAsync()).Json.GetProperty("text").GetString()!);
        Assert.Equal(["u2", "u3", "meanwhile"], texts);
        Assert.Equal(1, listening); // the stream listened before it read

        // The next event is the next update: "meanwhile" did not come twice.
        await PostAsync(name, "marker");
        var next = await stream.NextAsync();
        Assert.Equal((5L, "marker"), (next.Sequence, next.Json.GetProperty("text").GetString()));
    }

    [Fact]
    public async Task AHubSubscriberGetsAnUpdateCommittedJustBeforeItsHistoryReadExactlyOnce()
    {
        var name = await NewSubjectWithUpdatesAsync(3);
        var members = -1;
        gateway.Store.BeforeNextHistoryRead(() =>
        {
            members = gateway.Services.GetRequiredService<BrowserPresence>().CountMembers(_subjects.GetSubject(name).Value!.Id);
            return PostAsync(name, "meanwhile");
        });
        await using var browser = await HubPeer.ConnectAsync(gateway.HttpAddress);

        var subscription = await browser.SubscribeAsync(name, afterSequence: 1);
        var live = await browser.NextUpdateAsync();

        // The answer ends at the bound it read; the update committed after it comes live, and only live.
        Assert.Equal((3L, false), (subscription.LastSequence, subscription.Gap));
        Assert.Equal(["u2", "u3"], subscription.Updates.Select(u => u.Text));
        Assert.Equal((4L, "meanwhile"), (live.Sequence, live.Text));
        Assert.Equal(1, members); // counted in before it read: a sink that skips empty groups still sends it
        await PostAsync(name, "marker");
        Assert.Equal(5, (await browser.NextUpdateAsync()).Sequence);
    }

    [Fact]
    public async Task AnEventStreamWhoseSubjectIsReplacedBeforeItsHistoryReadSaysDeletedAndShowsNothingOfTheNewOne()
    {
        var name = await NewSubjectWithUpdatesAsync(3);
        gateway.Store.BeforeNextHistoryRead(() => ReplaceAsync(name));

        await using var stream = await EventStreamClient.OpenAsync(_http, $"/api/subjects/{name}/events", lastEventId: "1");

        var first = await stream.NextAsync();
        Assert.Equal("deleted", first.Event);
        Assert.True(await stream.EndsAsync());
    }

    [Fact]
    public async Task AHubSubscriberWhoseSubjectIsReplacedBeforeItsHistoryReadIsToldToSubscribeAgainAndGetsNothingOfTheNewOne()
    {
        var name = await NewSubjectWithUpdatesAsync(3);
        var earlier = _subjects.GetSubject(name).Value!.Id;
        gateway.Store.BeforeNextHistoryRead(() => ReplaceAsync(name));
        await using var browser = await HubPeer.ConnectAsync(gateway.HttpAddress);

        var refused = await Assert.ThrowsAsync<HubException>(() => browser.SubscribeAsync(name, afterSequence: 1));
        Assert.Contains("deleted", refused.Message, StringComparison.Ordinal);
        Assert.False(browser.TryTakeUpdate(out _));

        // Subscribing again is the way back in: the new subject, told apart by its id.
        var again = await browser.SubscribeAsync(name);
        Assert.NotEqual(earlier, again.SubjectId);
        Assert.Equal((3L, "again\nnew 1\nnew 2\nnew 3"), (again.LastSequence, again.Content));
    }

    private async Task<string> NewSubjectWithUpdatesAsync(int count)
    {
        var name = await ApiAssert.NewSubjectAsync(_http);
        for (var i = 1; i <= count; i++)
            await PostAsync(name, $"u{i}");
        return name;
    }

    private async Task PostAsync(string subject, string text) => Assert.True((await _subjects.PostUpdateAsync(subject, text, Origins.Rest)).Succeeded);

    /// <summary>Deletes the subject and creates another of the same name with as many updates.</summary>
    private async Task ReplaceAsync(string subject)
    {
        Assert.True((await _subjects.DeleteSubjectAsync(subject)).Succeeded);
        Assert.True((await _subjects.CreateSubjectAsync(subject, "again")).Succeeded);
        for (var i = 1; i <= 3; i++)
            await PostAsync(subject, $"new {i}");
    }

    private static HttpClient CreateStreamingClient(GatewayFactory gateway)
    {
        var client = gateway.CreateClient();
        client.Timeout = Timeout.InfiniteTimeSpan; // streams outlive HttpClient's default 100 s; reads have their own timeouts
        return client;
    }

    /// <summary>A gateway whose store can run a change just before its next history read.</summary>
    public sealed class InterleavingGateway : GatewayFactory
    {
        public InterleavingGateway()
            : this(new Holder())
        {
        }

        private InterleavingGateway(Holder holder)
            : base(null, configure: builder => builder.ConfigureTestServices(services =>
            {
                services.AddSingleton<SubjectStore>();
                services.AddSingleton<ISubjectStore>(sp => holder.Store = new InterleavingStore(sp.GetRequiredService<SubjectStore>()));
            }))
        {
            _ = Services.GetRequiredService<ISubjectStore>();
            Store = holder.Store!;
        }

        internal InterleavingStore Store { get; }

        private sealed class Holder
        {
            public InterleavingStore? Store { get; set; }
        }
    }

    /// <summary>The gateway's own store; the next history read first runs the change it was given, to its end.</summary>
    internal sealed class InterleavingStore(ISubjectStore store) : ISubjectStore
    {
        private Func<Task>? _beforeNextRead;

        public void BeforeNextHistoryRead(Func<Task> change) => Volatile.Write(ref _beforeNextRead, change);

        public async Task<List<UpdateEntry>> ReadUpdatesAsync(int subjectId, long afterSequence, int limit, CancellationToken cancellationToken)
        {
            await InterleaveAsync();
            return await store.ReadUpdatesAsync(subjectId, afterSequence, limit, cancellationToken);
        }

        public Task<SubjectResult<SubjectSnapshot>> CreateSubjectAsync(string name, string initialContent) => store.CreateSubjectAsync(name, initialContent);

        public Task<SubjectResult<SubjectSnapshot>> DeleteSubjectAsync(string subject) => store.DeleteSubjectAsync(subject);

        public Task<SubjectResult<SubjectUpdate>> AppendUpdateAsync(string subject, string text, string origin, string? idempotencyKey) =>
            store.AppendUpdateAsync(subject, text, origin, idempotencyKey);

        public Task<SubjectResult<EmailRegistration>> RegisterEmailAsync(string subject, string email) => store.RegisterEmailAsync(subject, email);

        public Task<SubjectResult<EmailRegistration>> ConfirmEmailAsync(string subject, string email) => store.ConfirmEmailAsync(subject, email);

        public Task<SubjectResult<SubjectSnapshot>> UnregisterEmailAsync(string subject, string email) => store.UnregisterEmailAsync(subject, email);

        public Task<SubjectResult<EmailRegistration>> SetMailModeAsync(string subject, string email, MailSettings settings) => store.SetMailModeAsync(subject, email, settings);

        public Task<MailModeCounts> CountMailModesAsync(int subjectId, CancellationToken cancellationToken) => store.CountMailModesAsync(subjectId, cancellationToken);

        public Task CatchUpAsync(int subjectId, long heard, CancellationToken cancellationToken) => store.CatchUpAsync(subjectId, heard, cancellationToken);

        private Task InterleaveAsync() => Interlocked.Exchange(ref _beforeNextRead, null)?.Invoke() ?? Task.CompletedTask;
    }
}
