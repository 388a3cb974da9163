using MessageQueue.Gateway.Api;
using MessageQueue.Gateway.Ingest;
using MessageQueue.Gateway.Legacy;
using MessageQueue.Gateway.Operations;
using MessageQueue.Gateway.ScaleOut;
using MessageQueue.Gateway.Subjects;

namespace MessageQueue.Gateway.Realtime;

/// <summary>
/// Builds the operations overview from the catalog and from who listens on each door: on this instance, plus what
/// the other live instances said at their last heartbeat (<see cref="ClusterPresence"/>).
/// </summary>
internal sealed class OverviewSource(
    SubjectCatalog catalog, BrowserPresence browsers, ZmqSubscriptions zmq, LiveUpdateFeed streams, UpdateRate rate,
    ThisInstance instance, ClusterPresence cluster, IngestService ingest)
{
    private const int ChartPoints = 30;
    private const int ChartStepSeconds = 10;

    /// <summary>This instance alone, as its heartbeat tells the others.</summary>
    public InstanceReport Local()
    {
        var subjects = new Dictionary<string, SubjectListeners>(StringComparer.Ordinal);
        foreach (var subject in catalog.All())
        {
            var listeners = LocalListeners(subject);
            if (listeners != NoListeners)
                subjects[subject.Name] = listeners;
        }
        return new(browsers.Connections, zmq.Total, streams.OpenStreams, rate.PerMinute(ChartPoints, ChartStepSeconds), subjects, ingest.Statuses());
    }

    public IReadOnlyList<SubjectPresence> Subjects() => Subjects(cluster.Peers());

    public Overview Build()
    {
        var peers = cluster.Peers();
        var local = Local();
        var reports = peers.Select(p => p.Report).Prepend(local).ToArray();
        var perMinute = new int[ChartPoints];
        foreach (var report in reports)
        {
            for (var point = 0; point < Math.Min(ChartPoints, report.UpdatesPerMinute.Length); point++)
                perMinute[point] += report.UpdatesPerMinute[point];
        }
        return new(
            Subjects(peers),
            reports.Sum(r => r.Browsers),
            reports.Sum(r => r.ZmqSubscribers),
            reports.Sum(r => r.EventStreams),
            perMinute,
            ChartStepSeconds,
            [Summary(instance.Name, instance.StartedAt, isThis: true, local), .. peers.Select(p => Summary(p.Name, p.StartedAt, isThis: false, p.Report))]);
    }

    private static readonly SubjectListeners NoListeners = new(0, 0, 0);

    private SubjectListeners LocalListeners(SubjectSnapshot subject) =>
        new(browsers.CountMembers(subject.Id), zmq.CountFor(subject.Name), streams.CountListeners(subject.Name));

    private IReadOnlyList<SubjectPresence> Subjects(IReadOnlyList<PeerInstance> peers) =>
        [.. catalog.All().Select(s =>
        {
            var (browserCount, zmqCount, streamCount) = LocalListeners(s);
            foreach (var peer in peers)
            {
                if (peer.Report.Subjects.TryGetValue(s.Name, out var there))
                    (browserCount, zmqCount, streamCount) = (browserCount + there.Browsers, zmqCount + there.ZmqSubscribers, streamCount + there.EventStreams);
            }
            return new SubjectPresence(s.Name, s.LastSequence, s.LastUpdatedAt, s.EmailCount, browserCount, zmqCount, streamCount);
        })];

    private static InstanceSummary Summary(string name, DateTimeOffset startedAt, bool isThis, InstanceReport report) =>
        new(name, startedAt, isThis, report.Browsers, report.ZmqSubscribers, report.EventStreams, report.UpdatesPerMinute.LastOrDefault(), report.Sources ?? []);
}
