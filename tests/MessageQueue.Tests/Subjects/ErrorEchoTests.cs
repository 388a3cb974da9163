using System.Net;
using System.Net.Http.Json;
using MessageQueue.Gateway.Subjects;
using MessageQueue.Tests.Infrastructure;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;

namespace MessageQueue.Tests.Subjects;

/// <summary>Every door's error replies repeat at most a short, escaped prefix of what was sent.</summary>
public sealed class ErrorEchoTests(GatewayFactory gateway) : IClassFixture<GatewayFactory>
{
    // A long subject full of characters that would reorder or hide text, and a long address hiding a zero-width space.
    private static readonly string LongSubject = "A\u202E" + new string('x', 65_000);
    private static readonly string HiddenAddress = new string('a', 60) + "\u200B@example.com";

    [Fact]
    public void TheLegacyDoorEchoesAShortEscapedPrefixOfAnUnknownSubject()
    {
        using var peer = new LegacyPeer(gateway.Zmq.ReplyEndpoint);

        var reply = peer.Request(new { type = "3", subject = LongSubject, updateMessage = "text" });

        Assert.Equal($"Not exist subject - A\\u202E{new string('x', Echo.MaxChars - 2)}.... Try again!", reply);
        var refused = peer.Request(new { type = "2", subject = "React", email = HiddenAddress });
        Assert.StartsWith($"{{\"data\": \"'{new string('a', Echo.MaxChars)}...' contains", refused, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheRestApiAndTheHubRefuseAHiddenCharacterAndEchoItEscaped()
    {
        using var http = gateway.CreateClient();
        var response = await http.PostAsJsonAsync("/api/subjects/React/subscriptions", new { email = HiddenAddress });
        var problem = await ApiAssert.Problem(response, HttpStatusCode.BadRequest);
        var detail = problem.GetProperty("errors").GetProperty("email")[0].GetString()!;

        await using var hub = await HubPeer.ConnectAsync(gateway.HttpAddress);
        var refused = await Assert.ThrowsAsync<HubException>(() => hub.Connection.InvokeAsync("RegisterEmail", "React", HiddenAddress));

        foreach (var message in new[] { detail, refused.Message })
        {
            Assert.DoesNotContain("\u200B", message, StringComparison.Ordinal);
            Assert.Contains($"'{new string('a', Echo.MaxChars)}...'", message, StringComparison.Ordinal);
        }
    }
}
