using HotReload.Sdk.Tasks;

namespace HotReload.Tests;

/// <summary>When the copy compiled beside CoreCompile is still the copy of the current inputs: decided by content.</summary>
public sealed class InputSnapshotTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "hr-inputs-" + Guid.NewGuid().ToString("N"));

    public InputSnapshotTests() => Directory.CreateDirectory(_root);

    private string A => Path.Combine(_root, "A.cs");

    private string B => Path.Combine(_root, "B.cs");

    [Fact]
    public void Unchanged_inputs_are_fresh()
    {
        File.WriteAllText(A, "class A { }");
        File.WriteAllText(B, "class B { }");
        Assert.Null(InputSnapshot.Take([A, B]).WhyStale([A, B]));
    }

    [Fact]
    public void Different_content_with_the_same_length_and_time_stamp_is_stale()
    {
        File.WriteAllText(A, "class A { int x = 1; }");
        var stamp = File.GetLastWriteTimeUtc(A);
        var snapshot = InputSnapshot.Take([A]);

        File.WriteAllText(A, "class A { int x = 2; }"); // a coarse clock, or one set back: the stamp says nothing
        File.SetLastWriteTimeUtc(A, stamp);
        Assert.Equal(A + " changed since it started (its content)", snapshot.WhyStale([A]));
    }

    [Fact]
    public void A_file_touched_or_rewritten_with_the_same_content_is_fresh()
    {
        File.WriteAllText(A, "class A { }");
        var snapshot = InputSnapshot.Take([A]);

        File.WriteAllText(A, "class A { }");
        File.SetLastWriteTimeUtc(A, DateTime.UtcNow.AddMinutes(5)); // written after the early compile started, by the clock
        Assert.Null(snapshot.WhyStale([A]));
    }

    [Fact]
    public void A_different_length_is_stale_without_comparing_content()
    {
        File.WriteAllText(A, "class A { }");
        var snapshot = InputSnapshot.Take([A]);
        File.WriteAllText(A, "class A { int x; }");
        Assert.Equal(A + " changed since it started (its length)", snapshot.WhyStale([A]));
    }

    [Fact]
    public void A_file_deleted_since_is_stale()
    {
        File.WriteAllText(A, "class A { }");
        var snapshot = InputSnapshot.Take([A]);
        File.Delete(A);
        Assert.Equal(A + " no longer exists", snapshot.WhyStale([A]));
    }

    [Fact]
    public void A_file_missing_when_the_snapshot_was_taken_is_stale_even_if_there_now()
    {
        var snapshot = InputSnapshot.Take([A]); // the early compile read no such file
        Assert.Equal(A + " did not exist or could not be read when it started", snapshot.WhyStale([A]));
        File.WriteAllText(A, "class A { }");
        Assert.Equal(A + " did not exist or could not be read when it started", snapshot.WhyStale([A]));
    }

    [Fact]
    public void An_input_added_or_dropped_since_is_stale()
    {
        File.WriteAllText(A, "class A { }");
        File.WriteAllText(B, "class B { }");
        Assert.Equal(B + " was not an input when it started", InputSnapshot.Take([A]).WhyStale([A, B]));
        Assert.Equal(B + " is no longer an input", InputSnapshot.Take([A, B]).WhyStale([A]));
    }

    [Fact]
    public void Paths_are_compared_in_full_and_duplicates_count_once()
    {
        File.WriteAllText(A, "class A { }");
        var relative = Path.GetRelativePath(Environment.CurrentDirectory, A);
        Assert.Null(InputSnapshot.Take([A, A]).WhyStale([relative]));
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
