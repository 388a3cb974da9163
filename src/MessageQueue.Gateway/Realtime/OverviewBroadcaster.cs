using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;

namespace MessageQueue.Gateway.Realtime;

/// <summary>Sends the overview to the connections that watch it, at a fixed pace whatever the update rate.</summary>
internal sealed class OverviewBroadcaster(
    IHubContext<SubjectsHub, ISubjectsClient> hub,
    BrowserPresence presence,
    OverviewSource overview,
    IOptions<RealtimeOptions> options) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(options.Value.OverviewIntervalMilliseconds));
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                if (presence.Watchers > 0)
                    await SubjectsHub.SendOverviewAsync(hub.Clients, overview.Build()).WaitAsync(stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }
}
