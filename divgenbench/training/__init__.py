"""D2-Align training (SPEC §5, §8): the guided reward, the FLUX one-step reconstruction, the two stages, the
run loop with checkpoints and exact resume, and a diversity monitor any trainer can call.

Import what you need from the submodules; this package imports torch.
"""
