using System.Threading.Channels;
using MessageQueue.Gateway.Operations;
using MessageQueue.Gateway.Storage;

namespace MessageQueue.Gateway.Email;

/// <summary>
/// Seen live, not mailed. A dashboard that registered an address says which updates of a subject it received; this
/// gathers those ranges and writes them to the registrations' MailedThrough, on the outbox's own connection, where a
/// range joins what was already mailed or seen. The sender mails an update only once it is Email:SeenGraceSeconds old,
/// so the word of a browser that received it comes first; a browser that was gone says nothing, and the mail goes.
/// </summary>
internal sealed partial class SeenLive(OutboxClaims claims, GatewayMetrics metrics, ILogger<SeenLive> logger) : BackgroundService
{
    /// <summary>Registrations with ranges waiting at once; beyond it a range is dropped, and its updates mailed as usual.</summary>
    internal const int MaxWaiting = 10_000;

    private const int MaxRangesPerRegistration = 4;

    /// <summary>Ranges per transaction: short ones, so the store writer never waits long behind them.</summary>
    private const int RangesPerTransaction = 500;

    // At most a round of writes per this interval: reports that come meanwhile join up and go in one.
    private static readonly TimeSpan RoundInterval = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan RetryAfterFailure = TimeSpan.FromSeconds(1);

    private readonly Lock _lock = new();
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private Dictionary<(int SubjectId, string Email), List<SeenRange>> _waiting = [];

    /// <summary>Notes that a browser of <paramref name="email"/> (normalized) received updates <paramref name="from"/> to <paramref name="through"/> of a subject.</summary>
    public void Record(int subjectId, string email, long from, long through)
    {
        lock (_lock)
        {
            var key = (subjectId, email);
            if (!_waiting.TryGetValue(key, out var ranges))
            {
                if (_waiting.Count >= MaxWaiting)
                {
                    metrics.SeenLive("dropped", 1);
                    return;
                }
                _waiting[key] = ranges = [];
            }
            if (!Merge(ranges, new SeenRange(subjectId, email, from, through)))
                metrics.SeenLive("dropped", 1);
        }
        _wake.Writer.TryWrite(true);
    }

    /// <summary>
    /// Joins a range to those it overlaps or touches (two tabs of one address report the same updates). Past the budget
    /// the lowest ranges stay, being the ones that can join the mark; false when one was dropped.
    /// </summary>
    private static bool Merge(List<SeenRange> ranges, SeenRange range)
    {
        for (var i = ranges.Count - 1; i >= 0; i--)
        {
            var other = ranges[i];
            if (range.From <= other.Through + 1 && other.From <= range.Through + 1)
            {
                range = range with { From = Math.Min(range.From, other.From), Through = Math.Max(range.Through, other.Through) };
                ranges.RemoveAt(i);
            }
        }
        ranges.Add(range);
        if (ranges.Count <= MaxRangesPerRegistration)
            return true;
        ranges.Sort((a, b) => a.From.CompareTo(b.From));
        ranges.RemoveAt(ranges.Count - 1);
        return false;
    }

    // On the thread pool, as the email sender's loop, for the same reason.
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => Task.Run(() => WriteUntilStoppedAsync(stoppingToken), CancellationToken.None);

    private async Task WriteUntilStoppedAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (await _wake.Reader.WaitToReadAsync(stoppingToken))
            {
                _wake.Reader.TryRead(out _);
                Dictionary<(int, string), List<SeenRange>> taken;
                lock (_lock)
                    (taken, _waiting) = (_waiting, []);
                if (taken.Count == 0)
                    continue;
                try
                {
                    // What comes in meanwhile waits for the next round: the ranges of a busy subject join up.
                    foreach (var chunk in taken.Values.SelectMany(r => r.OrderBy(range => range.From)).Chunk(RangesPerTransaction))
                        metrics.SeenLive("marked", await claims.MarkSeenAsync(chunk, stoppingToken));
                    await Task.Delay(RoundInterval, stoppingToken);
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    // The store is busy or failing: those updates are mailed, which loses nothing.
                    Log.WriteFailed(logger, taken.Count, ex);
                    await Task.Delay(RetryAfterFailure, stoppingToken);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: what was not written is mailed.
        }
    }

    private static partial class Log
    {
        [LoggerMessage(4010, LogLevel.Warning, "Could not write what browsers of {Registrations} registrations saw live; those updates will be mailed")]
        public static partial void WriteFailed(ILogger logger, int registrations, Exception exception);
    }
}
