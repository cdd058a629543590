using HotReload.Runtime;

namespace HotReload.Tests;

public sealed class RollbackHistoryTests
{
    [Fact]
    public void The_most_recently_replaced_clean_generation_comes_first_and_the_faulted_one_never()
    {
        var history = new RollbackHistory();
        history.RanCleanly(1);
        history.RanCleanly(2);
        history.RanCleanly(3);

        Assert.Equal([3, 2, 1], history.CandidatesFor(4));
        Assert.Equal([2, 1], history.CandidatesFor(3)); // 3 itself faulted after it came back
    }

    [Fact]
    public void A_generation_that_ran_again_moves_to_the_front_and_a_forgotten_one_is_gone()
    {
        var history = new RollbackHistory();
        history.RanCleanly(1);
        history.RanCleanly(2);
        history.RanCleanly(1); // rolled back to 1, which then ran cleanly until replaced again
        history.Forget(2);

        Assert.Equal([1], history.CandidatesFor(5));
        Assert.False(history.HasCandidateFor(1));
        Assert.True(history.HasCandidateFor(5));
    }

    [Fact]
    public void Only_the_newest_sixteen_are_kept()
    {
        var history = new RollbackHistory();
        for (var g = 1; g <= 20; g++)
        {
            history.RanCleanly(g);
        }

        Assert.Equal(Enumerable.Range(5, 16).Reverse(), history.CandidatesFor(100));
    }
}
