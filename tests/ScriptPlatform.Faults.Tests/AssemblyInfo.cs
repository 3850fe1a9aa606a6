// The faults stop and kill shared servers and processes, and each test measures recovery times: one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
