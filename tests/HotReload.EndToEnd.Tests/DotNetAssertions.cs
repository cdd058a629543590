using HotReload.Testing;

namespace HotReload.EndToEnd.Tests;

internal static class DotNetAssertions
{
    public static DotNet.Result ShouldSucceed(this DotNet.Result result)
    {
        Assert.True(result.ExitCode == 0, $"`{result.Command}` exited with {result.ExitCode}:{Environment.NewLine}{result.Output}");
        return result;
    }

    public static DotNet.Result ShouldFail(this DotNet.Result result)
    {
        Assert.True(result.ExitCode != 0, $"`{result.Command}` was expected to fail:{Environment.NewLine}{result.Output}");
        return result;
    }
}
