using System.CommandLine;
using MessageQueue.Client.Cli;
using MessageQueue.Client.Protocol;

namespace MessageQueue.Client.Menu;

/// <summary>Runs the interactive menu: for <c>mq</c> with no command and for <c>mq menu</c>.</summary>
internal static class MenuCommand
{
    public static Command Create()
    {
        var command = new Command("menu", "The interactive menu of the original client (also what plain `mq` runs).");
        AddTo(command);
        return command;
    }

    public static void AddTo(Command command)
    {
        var timeout = ClientOptions.RequestTimeout();
        command.Options.Add(timeout);
        command.SetAction(parse =>
        {
            using var client = new LegacyClient(parse.GetRequiredValue(ClientOptions.Server), TimeSpan.FromSeconds(parse.GetValue(timeout)), ClientOptions.Curve(parse));
            using var menu = new InteractiveMenu(client, parse.GetRequiredValue(ClientOptions.Publisher), Console.In, Console.Out, Console.IsInputRedirected);
            menu.Run();
            return ExitCodes.Success;
        });
    }
}
