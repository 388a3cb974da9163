using MessageQueue.Client.Connection;
using MessageQueue.Client.Protocol;
using MessageQueue.Client.Updates;

namespace MessageQueue.Client.Menu;

/// <summary>
/// The original client's console menu, read line by line so it can be scripted through stdin; end of input quits
/// like <c>q</c>. Requests run on this thread; updates are printed by the listener's own thread.
/// </summary>
/// <remarks>
/// With <paramref name="echoInput"/> (input from a pipe or file) each answer is written after its prompt, as a
/// terminal would have echoed it, so the transcript reads like a session.
/// </remarks>
internal sealed class InteractiveMenu(LegacyClient client, string publisherEndpoint, TextReader input, TextWriter output, bool echoInput)
    : IDisposable
{
    // Quitting must be prompt even with the gateway gone: the goodbye is not worth a long wait.
    private static readonly TimeSpan QuitTimeout = TimeSpan.FromSeconds(1);

    // Updates are printed from the listener's thread while this one may be waiting at a prompt.
    private readonly Lock _outputLock = new();
    private string? _openPrompt;
    private Subscription? _subscription;

    private sealed record Subscription(string Subject, string Email, UpdateListener Listener);

    public void Run()
    {
        output.WriteLine($"Server {client.ServerEndpoint}, updates from {publisherEndpoint}.");
        output.WriteLine(MenuText.Choices);
        while (Ask(MenuText.ChoicePrompt) is { } choice && choice != "q")
        {
            try
            {
                Handle(choice);
            }
            catch (ClientFailure failure)
            {
                output.WriteLine(failure.Message);
            }
        }
        Quit();
    }

    public void Dispose() => _subscription?.Listener.Dispose();

    private void Handle(string choice)
    {
        switch (choice)
        {
            case "1":
                output.WriteLine(string.Join(' ', client.ListSubjects().Select(name => $"[{name}]")));
                break;
            case "2":
                Subscribe();
                break;
            case "3":
                Post();
                break;
            case "4":
                output.WriteLine(MenuText.Choices);
                break;
            case "":
                break;
            default:
                output.WriteLine(MenuText.UnknownChoice(choice));
                break;
        }
    }

    private void Subscribe()
    {
        var email = Ask(MenuText.EmailPrompt);
        if (email is null)
            return;
        if (!EmailAddress.IsValid(email))
            throw new InvalidInput($"'{email}' is not a valid email address.");
        var subject = Ask(MenuText.SubjectPrompt);
        if (subject is null)
            return;

        var content = client.Subscribe(subject, email);
        var previous = _subscription;

        // The server compares addresses ignoring case: the same pair again is the same subscription, already heard.
        if (previous is not null && previous.Subject == subject && string.Equals(previous.Email, email, StringComparison.OrdinalIgnoreCase))
        {
            output.WriteLine(MenuText.Subscribed(subject, email, content));
            return;
        }

        // One subscription at a time, as in the original client: a new one replaces the last.
        _subscription = new Subscription(subject, email, new UpdateListener(publisherEndpoint, subject, PrintUpdate, client.Curve));
        output.WriteLine(MenuText.Subscribed(subject, email, content));
        if (previous is not null)
            Leave(previous);
    }

    private void Post()
    {
        if (_subscription is not { } subscription)
        {
            output.WriteLine(MenuText.NotSubscribed);
            return;
        }
        var text = Ask(MenuText.UpdatePrompt(subscription.Subject));
        if (text is null)
            return;
        subscription.Listener.WaitForJoinGrace();
        client.Publish(subscription.Subject, text);
        output.WriteLine($"Posted to {subscription.Subject}.");
    }

    private void Quit()
    {
        if (_subscription is { } subscription)
        {
            _subscription = null;
            Leave(subscription, QuitTimeout);
        }
        output.WriteLine("Bye.");
    }

    /// <summary>Stops the updates of a subscription and unregisters its email, reporting rather than failing.</summary>
    private void Leave(Subscription subscription, TimeSpan? timeout = null)
    {
        subscription.Listener.Dispose();
        try
        {
            client.Unsubscribe(subscription.Subject, subscription.Email, timeout);
            output.WriteLine($"Unsubscribed {subscription.Email} from {subscription.Subject}.");
        }
        catch (ClientFailure failure)
        {
            output.WriteLine($"Could not unsubscribe {subscription.Email} from {subscription.Subject}: {failure.Message}");
        }
    }

    /// <summary>Runs on the listener's thread: the update goes on its own lines, then the open prompt again.</summary>
    private void PrintUpdate(SubjectUpdate update)
    {
        lock (_outputLock)
        {
            if (_openPrompt is not null)
                output.WriteLine();
            output.WriteLine(update);
            output.Write(_openPrompt);
            output.Flush();
        }
    }

    /// <summary>Prompts and reads one line; null at end of input.</summary>
    private string? Ask(string prompt)
    {
        lock (_outputLock)
        {
            _openPrompt = prompt;
            output.Write(prompt);
            output.Flush();
        }
        var line = input.ReadLine();
        lock (_outputLock)
        {
            _openPrompt = null;
            if (echoInput)
                output.WriteLine(line);
        }
        return line?.Trim();
    }
}
