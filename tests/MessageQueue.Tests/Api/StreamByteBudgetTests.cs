using System.Net;
using System.Net.Http.Json;
using MessageQueue.Gateway.Api;
using MessageQueue.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace MessageQueue.Tests.Api;

/// <summary>
/// Api:EventStreamBufferedBytes: a stalled stream's queue is bounded in bytes even when its count bound is far away;
/// past it the oldest events go, and the stream later catches up from the store without missing one.
/// </summary>
public sealed class StreamByteBudgetTests : IDisposable
{
    private const int Updates = 40;

    private readonly GatewayFactory _gateway = new(
        null,
        new Dictionary<string, string?> { ["Api:EventStreamBufferedUpdates"] = "100000", ["Api:EventStreamBufferedBytes"] = "65536" },
        SmallWindows.SmallSendBuffers);

    [Fact]
    public async Task AStalledStreamHoldsNoMoreThanItsByteBudgetAndLaterCatchesUpFromTheStore()
    {
        using var http = _gateway.CreateClient();
        http.Timeout = Timeout.InfiniteTimeSpan;
        using var stalledHttp = new HttpClient(SmallWindows.TinyReceiveWindowHandler()) { BaseAddress = _gateway.HttpAddress, Timeout = Timeout.InfiniteTimeSpan };
        var name = ApiAssert.NewSubjectName();
        await ApiAssert.Json(await http.PostAsJsonAsync("/api/subjects", new { name }), HttpStatusCode.Created);
        await using var stalled = await EventStreamClient.OpenAsync(stalledHttp, $"/api/subjects/{name}/events");

        // 40 events of 16 KB: 640 KB for the stalled stream, ten times its byte budget, far under its count bound.
        var text = new string('x', 16 * 1024);
        for (var i = 0; i < Updates; i++)
            await ApiAssert.Json(await http.PostAsJsonAsync($"/api/subjects/{name}/updates", new { text = $"{i} {text}" }), HttpStatusCode.Created);
        var feed = _gateway.Services.GetRequiredService<LiveUpdateFeed>();
        await Poll.UntilAsync(() => feed.DroppedEvents > 0, () => "The stalled stream's queue never went past its byte budget.");

        var seen = new List<long>();
        while (seen.Count == 0 || seen[^1] < Updates)
            seen.Add((await stalled.NextAsync()).Sequence);
        Assert.Equal(Enumerable.Range(1, Updates).Select(i => (long)i), seen);
    }

    public void Dispose() => _gateway.Dispose();
}
