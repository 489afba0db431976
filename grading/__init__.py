"""Instructors' grading: `raftlab grade` grades a class of submissions by a rubric, fairly, resumably, isolated.

    grading.rubric       the rubric (TOML): items, tests, points, seeds, rules        load_rubric, example_rubric
    grading.submissions  a class folder's submissions, archives extracted safely      find_submissions
    grading.integrity    static scan of each submission, near-identical pairs          scan, similar_pairs
    grading.store        the SQLite database of runs, one transaction per run          Store
    grading.executor     where runs execute: this machine or a Dask cluster            open_executor
    grading.grade        the loop: find, scan, run what is missing, store              grade_folder
    grading.scoring      grades from runs by the rubric's rules                        grade_class
    grading.reports      gradebook CSV, JSON, feedback, the class page                 write_reports
    grading.gradescope   results.json and the autograder bundle; gradescope_run: inside the container
    grading.cli          the `raftlab grade` command
"""
