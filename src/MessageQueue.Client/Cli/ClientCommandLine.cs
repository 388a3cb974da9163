using System.CommandLine;
using MessageQueue.Client.Menu;

namespace MessageQueue.Client.Cli;

/// <summary>The command tree: the menu by default, plus one command per request for scripts.</summary>
internal static class ClientCommandLine
{
    public static RootCommand Build()
    {
        var root = new RootCommand("""
            MessageQueue console client. With no command, the interactive menu of the original client.
            Exit codes: 0 success, 1 refused by the server, 2 invalid usage or input, 3 no reply in time.
            """)
        {
            ClientOptions.Server,
            ClientOptions.Publisher,
            ClientOptions.ServerKey,
            ClientOptions.ClientSecretKey,
            MenuCommand.Create(),
            RequestCommands.List(),
            RequestCommands.Subscribe(),
            RequestCommands.Unsubscribe(),
            RequestCommands.Publish(),
            WatchCommand.Create(),
            KeygenCommand.Create(),
        };
        MenuCommand.AddTo(root);
        return root;
    }
}
