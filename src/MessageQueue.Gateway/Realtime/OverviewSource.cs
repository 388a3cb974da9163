using MessageQueue.Gateway.Api;
using MessageQueue.Gateway.Legacy;
using MessageQueue.Gateway.Operations;
using MessageQueue.Gateway.Subjects;

namespace MessageQueue.Gateway.Realtime;

/// <summary>Builds the operations overview from the catalog and from who listens on each door.</summary>
internal sealed class OverviewSource(SubjectCatalog catalog, BrowserPresence browsers, ZmqSubscriptions zmq, LiveUpdateFeed streams, UpdateRate rate)
{
    private const int ChartPoints = 30;
    private const int ChartStepSeconds = 10;

    public IReadOnlyList<SubjectPresence> Subjects() =>
        [.. catalog.All().Select(s => new SubjectPresence(
            s.Name, s.LastSequence, s.LastUpdatedAt, s.EmailCount, browsers.CountMembers(s.Id), zmq.CountFor(s.Name), streams.CountListeners(s.Name)))];

    public Overview Build() =>
        new(Subjects(), browsers.Connections, zmq.Total, rate.PerMinute(ChartPoints, ChartStepSeconds), ChartStepSeconds);
}
