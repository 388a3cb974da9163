using MessageQueue.Tests.Infrastructure;

namespace MessageQueue.Tests.Client;

/// <summary>Synchronises past the PUB/SUB slow joiner without sleeping: post marked updates until the client shows one.</summary>
public static class UpdateProbe
{
    private static readonly TimeSpan PerProbe = TimeSpan.FromMilliseconds(250);

    /// <summary>Returns the first line the client printed with a probe marker in it.</summary>
    public static async Task<string> PostUntilSeenAsync(ClientProcess client, LegacyPeer peer, string subject)
    {
        var marker = $"probe-{Guid.NewGuid():N}";
        var deadline = DateTime.UtcNow + ClientProcess.DefaultTimeout;
        for (var i = 0; DateTime.UtcNow < deadline && !client.OutputEnded; i++)
        {
            Assert.Equal("isSuccess", peer.Request(new { type = "3", subject, updateMessage = $"{marker}-{i}" }));
            if (await client.TryWaitForLineAsync(line => line.Contains(marker, StringComparison.Ordinal), PerProbe) is { } seen)
                return seen;
        }
        throw new TimeoutException($"The client never showed an update on {subject}.\n{client.Transcript}");
    }
}
