using MessageQueue.Tests.Infrastructure;

namespace MessageQueue.Tests.Client;

/// <summary>The interactive menu, driven through stdin as a user would type.</summary>
public sealed class ClientMenuTests : IClassFixture<GatewayFactory>
{
    private readonly GatewayFactory _gateway;

    public ClientMenuTests(GatewayFactory gateway) => _gateway = gateway;

    private ClientProcess StartMenu(params string[] command) =>
        ClientProcess.Start([.. command, "--server", _gateway.Zmq.ReplyEndpoint, "--publisher", _gateway.Zmq.PublishEndpoint]);

    [Fact]
    public async Task MenuListsSubscribesShowsUpdatesPostsAndQuits()
    {
        var email = $"menu-{Guid.NewGuid():N}@example.com";
        var text = $"posted from the menu {Guid.NewGuid():N}";
        await using var menu = StartMenu("menu");
        using var peer = new LegacyPeer(_gateway.Zmq.ReplyEndpoint);
        using var subscriber = new LegacySubscriber(_gateway.Zmq.PublishEndpoint, "React");
        subscriber.WaitUntilJoined(peer, "React");
        await menu.WaitForLineContainingAsync("q. Quit");

        // 1: the subjects, in the original's bracketed form.
        menu.SendLine("1");
        await menu.WaitForLineContainingAsync("[SpringBoot] [NodeJs] [React] [Django]");

        // 2: email and subject, then the subject's current content.
        menu.SendLine("2");
        menu.SendLine(email);
        menu.SendLine("React");
        await menu.WaitForLineContainingAsync($"Subscribed {email} to React.");
        await menu.WaitForLineContainingAsync("React is a JavaScript library");
        Assert.Contains(email, GatewayStore.EmailsOn(_gateway, "React"));

        // Updates posted by someone else appear while the menu waits for input (the background SUB thread).
        var seen = await UpdateProbe.PostUntilSeenAsync(menu, peer, "React");
        Assert.Contains("probe-", seen, StringComparison.Ordinal);

        // 3: posts to the subscribed subject; other subscribers, the store and the menu itself see it.
        menu.SendLine("3");
        menu.SendLine(text);
        // The reply and the publication race each other to the screen: accept either order.
        var first = await menu.WaitForLineAsync(line => line == text || line.Contains("Posted to React.", StringComparison.Ordinal));
        await menu.WaitForLineAsync(line => first == text ? line.Contains("Posted to React.", StringComparison.Ordinal) : line == text);
        Assert.EndsWith("\n" + text, ReceiveUntil(subscriber, text), StringComparison.Ordinal);
        Assert.EndsWith("\n" + text, ContentOf(peer.Request(new { type = "2", email = "checker@example.com", subject = "React" })), StringComparison.Ordinal);

        // q: unsubscribes and exits cleanly.
        menu.SendLine("q");
        Assert.Equal(0, await menu.WaitForExitAsync());
        Assert.Contains($"Unsubscribed {email} from React.", menu.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(email, GatewayStore.EmailsOn(_gateway, "React"));
    }

    [Fact]
    public async Task PlainMqRunsTheMenuAndEndOfInputQuitsLikeQ()
    {
        var email = $"eof-{Guid.NewGuid():N}@example.com";
        await using var menu = StartMenu();
        await menu.WaitForLineContainingAsync("q. Quit");
        menu.SendLine("2");
        menu.SendLine(email);
        menu.SendLine("Django");
        await menu.WaitForLineContainingAsync("Django is a high-level Python web framework");

        menu.CloseInput();

        Assert.Equal(0, await menu.WaitForExitAsync());
        Assert.Contains($"Unsubscribed {email} from Django.", menu.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(email, GatewayStore.EmailsOn(_gateway, "Django"));
    }

    [Fact]
    public async Task MenuRefusesBadInputAndKeepsGoing()
    {
        await using var menu = StartMenu("menu");
        await menu.WaitForLineContainingAsync("q. Quit");

        menu.SendLine("3");
        await menu.WaitForLineContainingAsync("Subscribe to a subject first (2).");

        menu.SendLine("2");
        menu.SendLine("not-an-email");
        await menu.WaitForLineContainingAsync("'not-an-email' is not a valid email address.");

        menu.SendLine("2");
        menu.SendLine("someone@example.com");
        menu.SendLine("NoSuchSubject");
        await menu.WaitForLineContainingAsync("Not exist subject - NoSuchSubject. Try again!");

        menu.SendLine("9");
        await menu.WaitForLineContainingAsync("Unknown choice '9'.");

        menu.SendLine("4");
        await menu.WaitForLineContainingAsync("1. List subjects");

        menu.SendLine("q");
        Assert.Equal(0, await menu.WaitForExitAsync());
        Assert.DoesNotContain("someone@example.com", GatewayStore.EmailsOn(_gateway, "NoSuchSubject"));
        Assert.DoesNotContain("Unsubscribed", menu.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SubscribingAgainReplacesTheSubscription()
    {
        var email = $"move-{Guid.NewGuid():N}@example.com";
        await using var menu = StartMenu("menu");
        await menu.WaitForLineContainingAsync("q. Quit");
        menu.SendLine("2");
        menu.SendLine(email);
        menu.SendLine("NodeJs");
        await menu.WaitForLineContainingAsync($"Subscribed {email} to NodeJs.");

        // The same pair again (other case) keeps the registration.
        menu.SendLine("2");
        menu.SendLine(email.ToUpperInvariant());
        menu.SendLine("NodeJs");
        await menu.WaitForLineContainingAsync($"Subscribed {email.ToUpperInvariant()} to NodeJs.");
        Assert.Single(GatewayStore.EmailsOn(_gateway, "NodeJs"), e => e.Equals(email, StringComparison.OrdinalIgnoreCase));

        // Another subject moves it, and posting goes to the new one.
        menu.SendLine("2");
        menu.SendLine(email);
        menu.SendLine("SpringBoot");
        await menu.WaitForLineContainingAsync($"Unsubscribed {email} from NodeJs.");
        Assert.DoesNotContain(GatewayStore.EmailsOn(_gateway, "NodeJs"), e => e.Equals(email, StringComparison.OrdinalIgnoreCase));
        Assert.Contains(email, GatewayStore.EmailsOn(_gateway, "SpringBoot"));
        menu.SendLine("3");
        menu.SendLine("after the move");
        await menu.WaitForLineContainingAsync("Update for SpringBoot: after the move");
        await menu.WaitForLineContainingAsync("Posted to SpringBoot.");

        menu.CloseInput();
        Assert.Equal(0, await menu.WaitForExitAsync());
    }

    /// <summary>Skips older publications (probes from other steps) up to the one carrying <paramref name="text"/>.</summary>
    private static string ReceiveUntil(LegacySubscriber subscriber, string text)
    {
        while (true)
        {
            var frame = subscriber.Receive();
            if (frame.EndsWith(text, StringComparison.Ordinal))
                return frame;
        }
    }

    private static string ContentOf(string subscribeReply) =>
        System.Text.Json.JsonDocument.Parse(subscribeReply).RootElement.GetProperty("data").GetString()!;
}
