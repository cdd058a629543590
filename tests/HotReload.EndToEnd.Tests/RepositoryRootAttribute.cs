namespace HotReload.EndToEnd.Tests;

/// <summary>Where the repository under test is: stamped in at build time, so the tests pack the very source they were built from.</summary>
[AttributeUsage(AttributeTargets.Assembly)]
public sealed class RepositoryRootAttribute(string path) : Attribute
{
    public string Path { get; } = path;
}
