using System.Globalization;
using MessageQueue.Gateway.Api;
using MessageQueue.Gateway.Email;
using MessageQueue.Gateway.Operations;
using MessageQueue.Gateway.Security;
using MessageQueue.Gateway.Subjects;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;

namespace MessageQueue.Gateway.Realtime;

/// <summary>
/// The SignalR door at /hubs/subjects. Like every door it only decodes, calls <see cref="SubjectService"/> and encodes;
/// each subject is a group, which the change stream's <see cref="HubUpdateSink"/> sends every accepted update to.
/// </summary>
internal sealed class SubjectsHub : Hub<ISubjectsClient>
{
    private const string OverviewGroup = "overview";
    private readonly SubjectService _subjects;
    private readonly BrowserPresence _presence;
    private readonly OverviewSource _overview;
    private readonly DoorTelemetry _telemetry;
    private readonly RealtimeOptions _options;
    private readonly ContentWindow _window;
    private readonly SubjectResume _resume;
    private readonly SubjectCatalog _catalog;
    private readonly SeenLive _seen;

    public SubjectsHub(
        SubjectService subjects, SubjectResume resume, BrowserPresence presence, OverviewSource overview, DoorTelemetry telemetry,
        IOptions<RealtimeOptions> options, ContentWindow window, SubjectCatalog catalog, SeenLive seen)
    {
        _catalog = catalog;
        _seen = seen;
        _window = window;
        _resume = resume;
        _subjects = subjects;
        _telemetry = telemetry;
        _presence = presence;
        _overview = overview;
        _options = options.Value;
    }

    /// <summary>
    /// The group of a subject's subscribers, by the subject's id: a subject deleted and created again under the same name
    /// has a group of its own, so the old one's last changes, still on the change stream, never reach the new one's.
    /// </summary>
    internal static string GroupOf(int subjectId) => "subject:" + subjectId.ToString(CultureInfo.InvariantCulture);

    internal static Task SendOverviewAsync(IHubClients<ISubjectsClient> clients, Overview overview) => clients.Group(OverviewGroup).Overview(overview);

    public override Task OnConnectedAsync()
    {
        _presence.Connected(Context.ConnectionId);
        return Task.CompletedTask;
    }

    public override Task OnDisconnectedAsync(Exception? exception)
    {
        _presence.Disconnected(Context.ConnectionId); // SignalR itself removes the connection from its groups
        return Task.CompletedTask;
    }

    /// <summary>Every subject with its state and presence.</summary>
    public IReadOnlyList<SubjectPresence> ListSubjects() => _overview.Subjects();

    /// <summary>
    /// Joins the subject's group and returns its state; with <paramref name="afterSequence"/>, also every update after it.
    /// Live updates may arrive before this answer: keep those above the answer's LastSequence.
    /// </summary>
    public async Task<Subscription> Subscribe(string subject, long? afterSequence)
    {
        // The resume's listener is this connection, counted in the presence and in the group, both before the resume
        // reads where the subject stands: the hub's sink finds it there for every update the answer does not hold.
        // The catalog takes each change before the hub's sink does, so a subject it still shows is not yet deleted for
        // the sink either: the deletion, when it comes, finds this connection in the group.
        var joined = false;
        SubjectResult<CatchUp> caughtUp;
        try
        {
            var begun = await _resume.BeginAsync(subject, afterSequence, async (subjectId, cancellationToken) =>
            {
                joined = _presence.Join(subject, subjectId, Context.ConnectionId, out var replaced);
                if (replaced is { } earlier)
                    await Groups.RemoveFromGroupAsync(Context.ConnectionId, GroupOf(earlier), cancellationToken);
                await Groups.AddToGroupAsync(Context.ConnectionId, GroupOf(subjectId), cancellationToken);
            }, Context.ConnectionAborted);
            caughtUp = begun.Value is { } resumption
                ? await resumption.ReplayNewestAsync(_options.MaxReplayUpdates, _options.MaxReplayBytes, Context.ConnectionAborted)
                : begun.Error!;
        }
        catch
        {
            await LeaveIfJoinedAsync(subject, joined);
            throw;
        }
        if (caughtUp.Value is not { } catchUp)
        {
            await LeaveIfJoinedAsync(subject, joined); // a mistake does not end a subscription made before
            throw HubErrors.ToException(caughtUp.Error!);
        }
        var state = catchUp.Subject;
        return new Subscription(state.Name, state.Content, state.LastSequence, state.LastUpdatedAt, state.EmailCount,
            [.. catchUp.Updates.Select(u => UpdateResource.From(state.Name, u))], catchUp.Gap, state.Id, _window.MaxBytes);
    }

    /// <summary>Leaves the subject's group; harmless when not subscribed or when the subject no longer exists.</summary>
    public async Task Unsubscribe(string subject)
    {
        if (string.IsNullOrEmpty(subject))
            throw HubErrors.ToException(new SubjectError(SubjectErrorKind.Invalid, "A subject name is required.", "subject"));
        if (_presence.Leave(subject, Context.ConnectionId) is { } subjectId)
            await Groups.RemoveFromGroupAsync(Context.ConnectionId, GroupOf(subjectId));
    }

    /// <summary>Appends a line to a subject; returns the update once it is durable. Every door's subscribers get it.</summary>
    [RequiresPolicy(ApiPolicies.Publish)]
    public Task<UpdateResource> PostUpdate(string subject, string text) => PostAsync(subject, text, idempotencyKey: null);

    /// <summary>
    /// As <see cref="PostUpdate"/>, safe to retry: a repeat of <paramref name="idempotencyKey"/> (1 to 128 visible ASCII
    /// characters, kept per subject, shared with REST's Idempotency-Key) stores nothing and returns the update stored under it.
    /// </summary>
    [RequiresPolicy(ApiPolicies.Publish)]
    public Task<UpdateResource> PostUpdateOnce(string subject, string text, string idempotencyKey) =>
        PostAsync(subject, text, idempotencyKey ?? ""); // a missing key is refused as an empty one, not taken as none

    private async Task<UpdateResource> PostAsync(string subject, string text, string? idempotencyKey)
    {
        var update = (await _subjects.PostUpdateAsync(subject, text, Origins.Hub, idempotencyKey)).ValueOrThrow();
        _telemetry.Accepted(update);
        return UpdateResource.From(update.Subject, update.ToEntry());
    }

    /// <summary>Creates a subject, with an optional initial content.</summary>
    [RequiresPolicy(ApiPolicies.Administer)]
    public async Task<SubjectPresence> CreateSubject(string name, string? content)
    {
        var created = (await _subjects.CreateSubjectAsync(name, content)).ValueOrThrow();
        return new SubjectPresence(created.Name, created.LastSequence, created.LastUpdatedAt, created.EmailCount, 0, 0, 0);
    }

    /// <summary>
    /// Registers an email on a subject; it gets a confirmation mail first when Email:ConfirmSubscriptions is on. While
    /// this connection lasts, it may report with <see cref="Seen"/> the subject's updates after this call that it
    /// received: they are not mailed to that address.
    /// </summary>
    public async Task<SubscriptionResource> RegisterEmail(string subject, string email)
    {
        // Read before the registration: the page was not there for anything up to here.
        var since = subject is not null && _catalog.TryGet(subject, out var before) ? before : null;
        var registration = (await _subjects.RegisterEmailAsync(subject, email)).ValueOrThrow();
        _presence.BindAddress(Context.ConnectionId, registration.Subject.Id, SubjectValidator.NormalizeEmail(registration.Email),
            since?.Id == registration.Subject.Id ? since.LastSequence : 0);
        return SubscriptionResource.From(registration);
    }

    /// <summary>How many of the subject's registered emails are mailed immediately, in digests, or not at all.</summary>
    public async Task<MailModeCounts> CountMailModes(string subject) =>
        (await _subjects.CountMailModesAsync(subject, Context.ConnectionAborted)).ValueOrThrow();

    /// <summary>
    /// After a reconnection (a new connection): this connection speaks again, as <see cref="RegisterEmail"/>'s did, for
    /// an address the page registered on the subject, for the updates from now on. Registers nothing: for an address
    /// not registered there, <see cref="Seen"/> changes nothing.
    /// </summary>
    public void ResumeSeen(string subject, string email)
    {
        var state = _subjects.CheckEmailOn(subject, email).ValueOrThrow();
        _presence.BindAddress(Context.ConnectionId, state.Id, SubjectValidator.NormalizeEmail(email), state.LastSequence);
    }

    /// <summary>
    /// Says that this page received updates <paramref name="from"/> to <paramref name="through"/> of a subject it is
    /// subscribed to: the addresses it registered on the subject are not mailed them (unless they chose mailEvenWhenSeen).
    /// Counts only for a subscribed subject, for addresses this connection registered, for updates that came after it
    /// registered them and exist, and where the range joins what those addresses were already mailed or seen.
    /// </summary>
    public void Seen(string subject, long from, long through)
    {
        if (string.IsNullOrEmpty(subject))
            throw HubErrors.ToException(new SubjectError(SubjectErrorKind.Invalid, "A subject name is required.", "subject"));
        if (from < 1 || through < from)
            throw HubErrors.ToException(new SubjectError(SubjectErrorKind.Invalid, "The range must be 1 <= from <= through.", "from"));
        var (subjectId, addresses) = _presence.AddressesOf(Context.ConnectionId, subject);
        if (addresses.Count == 0 || !_catalog.TryGet(subject, subjectId, out var state))
            return;
        through = Math.Min(through, state.LastSequence); // nobody has received what does not exist yet
        foreach (var (email, since) in addresses)
        {
            var start = Math.Max(from, since + 1);
            if (start <= through)
                _seen.Record(subjectId, email, start, through);
        }
    }

    /// <summary>Sets how often a registered email is mailed (immediate, digest or off); with API keys configured, a publisher or admin key.</summary>
    [RequiresPolicy(ApiPolicies.Publish)]
    public async Task<SubscriptionResource> SetMailMode(string subject, string email, string mode) =>
        SubscriptionResource.From((await _subjects.SetMailModeAsync(subject, email, mode)).ValueOrThrow());

    /// <summary>
    /// Sets whether a registered email is mailed even the updates a page that registered it already received (false, the
    /// default: they are left out); with API keys configured, a publisher or admin key.
    /// </summary>
    [RequiresPolicy(ApiPolicies.Publish)]
    public async Task<SubscriptionResource> SetMailEvenWhenSeen(string subject, string email, bool mailEvenWhenSeen) =>
        SubscriptionResource.From((await _subjects.SetMailModeAsync(subject, email, mode: null, mailEvenWhenSeen)).ValueOrThrow());

    /// <summary>Removes an email from a subject; with API keys configured, a publisher or admin key (the mail's own link needs none).</summary>
    [RequiresPolicy(ApiPolicies.Publish)]
    public async Task UnregisterEmail(string subject, string email)
    {
        var gone = (await _subjects.UnregisterEmailAsync(subject, email)).ValueOrThrow();
        _presence.UnbindAddress(Context.ConnectionId, gone.Id, SubjectValidator.NormalizeEmail(email));
    }

    private async Task LeaveIfJoinedAsync(string subject, bool joined)
    {
        if (joined && _presence.Leave(subject, Context.ConnectionId) is { } subjectId)
            await Groups.RemoveFromGroupAsync(Context.ConnectionId, GroupOf(subjectId));
    }

    /// <summary>Returns the operations overview now, and sends it again every Hub:OverviewIntervalMilliseconds.</summary>
    public async Task<Overview> WatchOverview()
    {
        await Groups.AddToGroupAsync(Context.ConnectionId, OverviewGroup, Context.ConnectionAborted);
        _presence.Watch(Context.ConnectionId);
        return _overview.Build();
    }
}
