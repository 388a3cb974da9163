using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;

namespace MessageQueue.Gateway.Realtime;

/// <summary>
/// Sends the overview to the connections that watch it, at a fixed pace whatever the update rate. Like the update
/// sink it does not wait for the sends, so one slow watcher delays no other; a failed round is logged, not fatal.
/// </summary>
internal sealed partial class OverviewBroadcaster(
    IHubContext<SubjectsHub, ISubjectsClient> hub,
    BrowserPresence presence,
    OverviewSource overview,
    IOptions<RealtimeOptions> options,
    ILogger<OverviewBroadcaster> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(options.Value.OverviewIntervalMilliseconds));
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                if (presence.Watchers > 0)
                    SendRound();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    private void SendRound()
    {
        try
        {
            var sending = SubjectsHub.SendOverviewAsync(hub.Clients, overview.Build());
            if (!sending.IsCompletedSuccessfully)
                _ = sending.ContinueWith(t => Log.RoundFailed(logger, t.Exception), CancellationToken.None,
                    TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        }
        catch (Exception ex)
        {
            Log.RoundFailed(logger, ex);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(5010, LogLevel.Warning, "A round of the operations overview failed")]
        public static partial void RoundFailed(ILogger logger, Exception? exception);
    }
}
