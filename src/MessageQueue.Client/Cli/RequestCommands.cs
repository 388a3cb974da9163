using System.CommandLine;
using MessageQueue.Client.Protocol;

namespace MessageQueue.Client.Cli;

/// <summary>The one-request commands for scripts: list, subscribe, unsubscribe, publish.</summary>
internal static class RequestCommands
{
    public static Command List()
    {
        var command = new Command("list", "Print the subjects, one per line.");
        return WithClient(command, (_, client) =>
        {
            foreach (var subject in client.ListSubjects())
                Console.WriteLine(subject);
        });
    }

    public static Command Subscribe()
    {
        var subject = SubjectArgument();
        var email = new Argument<string>("email") { Description = "The address to notify of updates." };
        var command = new Command("subscribe", "Register an email on a subject and print the subject's current content.") { subject, email };
        return WithClient(command, (parse, client) =>
            Console.WriteLine(client.Subscribe(parse.GetRequiredValue(subject), parse.GetRequiredValue(email))));
    }

    public static Command Unsubscribe()
    {
        var subject = SubjectArgument();
        var email = new Argument<string>("email") { Description = "The address to stop notifying." };
        var command = new Command("unsubscribe", "Remove an email from a subject.") { subject, email };
        return WithClient(command, (parse, client) =>
        {
            client.Unsubscribe(parse.GetRequiredValue(subject), parse.GetRequiredValue(email));
            Console.WriteLine($"Unsubscribed {parse.GetRequiredValue(email)} from {parse.GetRequiredValue(subject)}.");
        });
    }

    public static Command Publish()
    {
        var subject = SubjectArgument();
        var text = new Argument<string>("text") { Description = "The line to append to the subject's content." };
        var command = new Command("publish", "Append a line to a subject; subscribers get the new content. Never retried.") { subject, text };
        return WithClient(command, (parse, client) =>
        {
            client.Publish(parse.GetRequiredValue(subject), parse.GetRequiredValue(text));
            Console.WriteLine($"Posted to {parse.GetRequiredValue(subject)}.");
        });
    }

    public static Argument<string> SubjectArgument() => new("subject") { Description = "A subject name, as `list` prints it." };

    /// <summary>Adds --timeout and an action that gets a connected client; the exit code follows the outcome.</summary>
    private static Command WithClient(Command command, Action<ParseResult, LegacyClient> action)
    {
        var timeout = ClientOptions.RequestTimeout();
        command.Options.Add(timeout);
        command.SetAction(parse => CommandRunner.Run(() =>
        {
            using var client = new LegacyClient(parse.GetRequiredValue(ClientOptions.Server), TimeSpan.FromSeconds(parse.GetValue(timeout)), ClientOptions.Curve(parse));
            action(parse, client);
        }));
        return command;
    }
}
